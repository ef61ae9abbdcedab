//! Padding small batches with fake keys, so file sizes do not reveal how many
//! people uploaded.
//!
//! Only a batch with at least one file and fewer than `EXPORT_FILE_MIN_RECORDS` primary keys is
//! padded, and only its last file. The target is `min + uniform[0, range]` (both ends
//! inclusive, from the OS RNG). Fakes are copies of the last file's real primaries, taken
//! round-robin, with fresh random key bytes; the target is re-checked only after a full pass, so
//! it can be overshot by fewer than the number of sources, and generation stops at once when the
//! file's primaries reach `max_records`. A last file without primaries (only revised keys) is
//! not padded. Revised keys are never padded.

use rand::{Rng, RngCore};

use crate::format::ExportKey;

/// Padding settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaddingSettings {
    /// `EXPORT_FILE_MIN_RECORDS`: batches with fewer primaries are padded.
    pub min_records: usize,
    /// `EXPORT_FILE_PADDING_RANGE`: random extra padding, inclusive.
    pub padding_range: usize,
}

/// `min + uniform[0, range]`.
pub fn padding_target(settings: PaddingSettings, rng: &mut impl Rng) -> usize {
    settings.min_records + rng.gen_range(0..=settings.padding_range)
}

/// The sources of the fakes to generate, as indexes into the last file's primaries, in order.
pub fn padding_sources(
    batch_primaries: usize,
    last_file_primaries: usize,
    max_records: usize,
    settings: PaddingSettings,
    target: usize,
) -> Vec<usize> {
    if batch_primaries >= settings.min_records || last_file_primaries == 0 {
        return Vec::new();
    }
    let mut sources = Vec::new();
    let mut len = last_file_primaries;
    'passes: while len < target {
        for source in 0..last_file_primaries {
            if len >= max_records {
                break 'passes;
            }
            sources.push(source);
            len += 1;
        }
    }
    sources
}

/// A fake copy of `source`: every field but the key bytes, which are random.
pub fn fake_of(source: &ExportKey, rng: &mut impl RngCore) -> ExportKey {
    let mut key_data = vec![0u8; 16];
    rng.fill_bytes(&mut key_data);
    ExportKey {
        key_data,
        ..source.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SETTINGS: PaddingSettings = PaddingSettings {
        min_records: 100,
        padding_range: 10,
    };

    /// Conformance case C18.
    #[test]
    fn nothing_to_pad_without_keys() {
        let settings = PaddingSettings {
            min_records: 1000,
            padding_range: 100,
        };
        let target = padding_target(settings, &mut rand::rngs::OsRng);
        assert_eq!(
            padding_sources(0, 0, 2000, settings, target),
            Vec::<usize>::new()
        );
    }

    /// Conformance case C19.
    #[test]
    fn round_robin_up_to_the_target() {
        for _ in 0..50 {
            let target = padding_target(SETTINGS, &mut rand::rngs::OsRng);
            let sources = padding_sources(3, 3, 1000, SETTINGS, target);
            let total = 3 + sources.len();
            assert!((100..=112).contains(&total), "{total}");
            assert!(sources.len() >= 97);
            for source in 0..3 {
                assert!(sources.iter().filter(|s| **s == source).count() >= 20);
            }
        }
    }

    /// Conformance case C20.
    #[test]
    fn the_random_extra_covers_both_ends() {
        let settings = PaddingSettings {
            min_records: 0,
            padding_range: 8,
        };
        let mut seen = [false; 9];
        for _ in 0..1000 {
            seen[padding_target(settings, &mut rand::rngs::OsRng)] = true;
        }
        assert!(seen.iter().all(|s| *s), "{seen:?}");
    }

    #[test]
    fn large_batches_files_of_only_revised_keys_and_full_files_are_not_padded() {
        assert!(padding_sources(100, 5, 1000, SETTINGS, 105).is_empty());
        assert!(padding_sources(3, 0, 1000, SETTINGS, 105).is_empty());
        assert!(padding_sources(3, 3, 3, SETTINGS, 105).is_empty());
        assert_eq!(
            padding_sources(3, 3, 5, SETTINGS, 105).len(),
            2,
            "stops at max_records"
        );
    }

    #[test]
    fn fakes_copy_everything_but_the_key() {
        let source = ExportKey {
            key_data: vec![1; 16],
            transmission_risk: 3,
            interval_number: 2_650_000,
            interval_count: 144,
            report_type: Some(crate::format::proto::ReportType::ConfirmedTest),
            days_since_onset: Some(-2),
        };
        let fake = fake_of(&source, &mut rand::rngs::OsRng);
        assert_ne!(fake.key_data, source.key_data);
        assert_eq!(fake.key_data.len(), 16);
        assert_eq!(
            ExportKey {
                key_data: source.key_data.clone(),
                ..fake
            },
            source
        );
    }
}
