//! Splitting a batch into files.
//!
//! Primaries and revised keys are each sorted by key bytes; files are filled with primaries
//! first, then revised keys, and a file is closed as soon as it holds `max_records` entries. So
//! every file but the last holds exactly `max_records`, a file may mix the last primaries with
//! the first revised keys, and there are `ceil((P + R) / max_records)` files (before padding).

use std::ops::Range;

/// The keys of one file, as index ranges into the sorted primary and revised lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePlan {
    pub primaries: Range<usize>,
    pub revised: Range<usize>,
}

/// Plans the files for `primaries` and `revised` keys; no keys, no files.
pub fn plan_files(primaries: usize, revised: usize, max_records: usize) -> Vec<FilePlan> {
    let max = max_records.max(1);
    let total = primaries + revised;
    (0..total.div_ceil(max))
        .map(|i| {
            let from = i * max;
            let to = (from + max).min(total);
            FilePlan {
                primaries: from.min(primaries)..to.min(primaries),
                revised: from.max(primaries) - primaries..to.max(primaries) - primaries,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Conformance case C21.
    #[test]
    fn every_max_size_covers_all_keys_once() {
        for max in 1..=20 {
            let plans = plan_files(20, 0, max);
            let covered: Vec<usize> = plans.iter().flat_map(|p| p.primaries.clone()).collect();
            assert_eq!(covered, (0..20).collect::<Vec<_>>(), "max {max}");
            assert_eq!(plans.len(), 20usize.div_ceil(max));
            assert!(plans.iter().all(|p| p.revised.is_empty()));
        }
    }

    /// Conformance case C41.
    #[test]
    fn ceil_n_over_m_files() {
        assert_eq!(plan_files(10, 0, 3).len(), 4);
        assert_eq!(plan_files(9, 0, 3).len(), 3);
        assert_eq!(plan_files(0, 0, 3), []);
    }

    /// Conformance case C43.
    #[test]
    fn last_primaries_share_a_file_with_the_first_revised_keys() {
        assert_eq!(
            plan_files(3, 2, 4),
            [
                FilePlan {
                    primaries: 0..3,
                    revised: 0..1
                },
                FilePlan {
                    primaries: 3..3,
                    revised: 1..2
                },
            ]
        );
    }

    #[test]
    fn every_file_but_the_last_is_full() {
        for (p, r, max) in [(7, 5, 4), (0, 5, 2), (5, 0, 5), (1, 1, 1)] {
            let plans = plan_files(p, r, max);
            for (i, plan) in plans.iter().enumerate() {
                let size = plan.primaries.len() + plan.revised.len();
                if i + 1 < plans.len() {
                    assert_eq!(size, max);
                } else {
                    assert!(size >= 1 && size <= max);
                }
            }
            let total: usize = plans
                .iter()
                .map(|f| f.primaries.len() + f.revised.len())
                .sum();
            assert_eq!(total, p + r);
        }
    }
}
