//! Server-rendered line charts: inline SVG built with [`Markup`] (so every label is escaped), no
//! JavaScript. A chart has a time axis from `start` to `end`, a y axis from 0 to a rounded
//! maximum, one polyline per series (broken where samples are missing) and a legend.

use crate::console::kit::html::Markup;

/// Drawing size (the SVG scales to its container's width).
const WIDTH: f64 = 560.0;
const HEIGHT: f64 = 200.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 22.0;

/// Line colours, in series order (distinguishable for common colour blindness).
const COLOURS: [&str; 8] = [
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#f0e442",
];

/// One series: its legend text and its points (Unix seconds, value).
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

/// A chart over `[start, end]` (Unix seconds); points further apart than `gap` seconds are not
/// joined. `unit` follows the y-axis numbers (e.g. `ms`, `/min`).
#[derive(Debug, Clone)]
pub struct Chart<'a> {
    pub title: &'a str,
    pub start: f64,
    pub end: f64,
    pub gap: f64,
    pub unit: &'static str,
    pub lines: &'a [Line],
}

/// The smallest 1, 2 or 5 × 10ⁿ at or above `max` (1 for an all-zero chart).
pub fn nice_max(max: f64) -> f64 {
    if !max.is_finite() || max <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|v| *v >= max * (1.0 - 1e-9))
        .unwrap_or(10.0 * magnitude)
}

/// A number for an axis or a legend: at most three significant digits, no trailing zeros.
pub fn number(v: f64) -> String {
    let text = if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

impl Chart<'_> {
    /// The chart's SVG and legend.
    pub fn render(&self) -> Markup {
        let max = nice_max(
            self.lines
                .iter()
                .flat_map(|l| l.points.iter().map(|p| p.1))
                .fold(0.0, f64::max),
        );
        let span = (self.end - self.start).max(1.0);
        let x = |t: f64| LEFT + (t - self.start) / span * (WIDTH - LEFT - RIGHT);
        let y = |v: f64| TOP + (1.0 - v / max) * (HEIGHT - TOP - BOTTOM);
        let mut m = Markup::new();
        m.raw("<figure class=\"chart\"><svg role=\"img\" viewBox=\"0 0 560 200\" preserveAspectRatio=\"none\"")
            .attr("aria-label", self.title)
            .raw("><g class=\"grid\" stroke=\"#d0d7de\" stroke-width=\"1\">");
        for fraction in [0.0, 0.5, 1.0] {
            let gy = format!("{:.1}", y(max * fraction));
            m.raw("<line x1=\"52\" x2=\"552\"")
                .attr("y1", &gy)
                .attr("y2", &gy)
                .raw("/>");
        }
        m.raw(
            "</g><g class=\"axis\" font-size=\"11\" fill=\"#57606a\" font-family=\"sans-serif\">",
        );
        for fraction in [0.0, 0.5, 1.0] {
            m.raw("<text x=\"46\" text-anchor=\"end\"")
                .attr("y", &format!("{:.1}", y(max * fraction) + 4.0))
                .raw(">")
                .text(&format!("{}{}", number(max * fraction), self.unit))
                .raw("</text>");
        }
        let minutes = (span / 60.0).round();
        m.raw("<text x=\"52\" y=\"194\">")
            .text(&format!("−{minutes:.0} min"))
            .raw("</text><text x=\"302\" y=\"194\" text-anchor=\"middle\">")
            .text(&format!("−{:.0} min", minutes / 2.0))
            .raw("</text><text x=\"552\" y=\"194\" text-anchor=\"end\">now</text></g>");
        for (i, line) in self.lines.iter().enumerate() {
            let colour = COLOURS[i % COLOURS.len()];
            for run in runs(&line.points, self.gap) {
                let points: Vec<String> = run
                    .iter()
                    .map(|(t, v)| format!("{:.1},{:.1}", x(*t), y(*v)))
                    .collect();
                if points.len() == 1 {
                    let (cx, cy) = (x(run[0].0), y(run[0].1));
                    m.raw("<circle r=\"2\"")
                        .attr("cx", &format!("{cx:.1}"))
                        .attr("cy", &format!("{cy:.1}"))
                        .attr("fill", colour)
                        .raw("/>");
                } else {
                    m.raw("<polyline fill=\"none\" stroke-width=\"2\"")
                        .attr("stroke", colour)
                        .attr("points", &points.join(" "))
                        .raw("/>");
                }
            }
        }
        m.raw("</svg><figcaption><ul class=\"legend\">");
        for (i, line) in self.lines.iter().enumerate() {
            let last = line.points.last().map_or(String::new(), |p| {
                format!(" (now {}{})", number(p.1), self.unit)
            });
            m.raw("<li><svg width=\"12\" height=\"12\" aria-hidden=\"true\"><rect width=\"12\" height=\"12\"")
                .attr("fill", COLOURS[i % COLOURS.len()])
                .raw("/></svg> ")
                .text(&line.label)
                .text(&last)
                .raw("</li>");
        }
        m.raw("</ul></figcaption></figure>");
        m
    }
}

/// Splits points into runs whose neighbours are at most `gap` seconds apart.
fn runs(points: &[(f64, f64)], gap: f64) -> Vec<&[(f64, f64)]> {
    let mut out = Vec::new();
    let mut from = 0;
    for i in 1..=points.len() {
        if i == points.len() || points[i].0 - points[i - 1].0 > gap {
            if from < i {
                out.push(&points[from..i]);
            }
            from = i;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_maxima_are_round() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(f64::NAN), 1.0);
        assert_eq!(nice_max(0.7), 1.0);
        assert_eq!(nice_max(1.0), 1.0);
        assert_eq!(nice_max(1.2), 2.0);
        assert_eq!(nice_max(37.0), 50.0);
        assert_eq!(nice_max(501.0), 1000.0);
        assert_eq!(number(0.0), "0");
        assert_eq!(number(2.5), "2.5");
        assert_eq!(number(12.34), "12.3");
        assert_eq!(number(1234.5), "1234");
    }

    #[test]
    fn gaps_break_the_line() {
        let points = [
            (0.0, 1.0),
            (30.0, 2.0),
            (200.0, 3.0),
            (230.0, 1.0),
            (500.0, 4.0),
        ];
        let runs = runs(&points, 60.0);
        assert_eq!(runs.len(), 3);
        assert_eq!(runs[0], &points[0..2]);
        assert_eq!(runs[2], &points[4..5]);
        assert!(super::runs(&[], 60.0).is_empty());
    }

    #[test]
    fn a_chart_draws_every_series_and_escapes_labels() {
        let lines = [
            Line {
                label: "OK".into(),
                points: vec![(0.0, 10.0), (60.0, 20.0), (120.0, 15.0)],
            },
            Line {
                label: "<script>".into(),
                points: vec![(60.0, 1.0)],
            },
        ];
        let chart = Chart {
            title: "Uploads",
            start: 0.0,
            end: 120.0,
            gap: 90.0,
            unit: "/min",
            lines: &lines,
        };
        let html = chart.render().into_string();
        assert_eq!(html.matches("<polyline").count(), 1, "{html}");
        assert_eq!(html.matches("<circle").count(), 1, "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("<script>"));
        // Axis up to 20/min; the first point is at the left edge, half-way up.
        assert!(html.contains(">20/min</text>"), "{html}");
        assert!(html.contains("points=\"52.0,94.0 "), "{html}");
        assert!(html.contains("OK (now 15/min)"), "{html}");
    }
}
