//! Charts drawn on the server as SVG (no script, printable): a horizontal bar chart with an
//! optional target band, always followed by the same figures as a table for screen readers
//! and for copying (`kit/bar_chart.html`).

/// Where the bars start (the labels' column) and how wide the longest may be, in SVG units.
const LABEL_WIDTH: i64 = 190;
const BAR_SPACE: i64 = 380;
const ROW: i64 = 26;

/// One bar as drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bar {
    pub label: String,
    pub value: i64,
    /// The value as people read it (¥200,000.00, 12 人).
    pub shown: String,
    pub y: i64,
    pub width: i64,
}

/// A horizontal bar chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BarChart {
    pub id: String,
    pub title: String,
    /// The table's column heading for the values.
    pub unit: String,
    pub bars: Vec<Bar>,
    /// A target band (from, to, label) drawn as two lines across the bars.
    pub band: Option<(i64, i64, String)>,
    pub scale_max: i64,
}

impl BarChart {
    /// A chart of `bars` (label, value, shown); the scale reaches the largest value or the
    /// band's upper end.
    pub fn new(id: &str, title: &str, unit: &str, bars: Vec<(String, i64, String)>) -> BarChart {
        BarChart {
            id: id.to_owned(),
            title: title.to_owned(),
            unit: unit.to_owned(),
            bars: Vec::new(),
            band: None,
            scale_max: 0,
        }
        .with_bars(bars)
    }

    fn with_bars(mut self, bars: Vec<(String, i64, String)>) -> BarChart {
        let max = bars.iter().map(|(_, v, _)| *v).max().unwrap_or(0).max(self.band.as_ref().map_or(0, |b| b.1)).max(1);
        self.scale_max = max;
        self.bars = bars
            .into_iter()
            .enumerate()
            .map(|(i, (label, value, shown))| Bar {
                label,
                value,
                shown,
                y: i64::try_from(i).unwrap_or(0) * ROW,
                width: value.max(0) * BAR_SPACE / max,
            })
            .collect();
        self
    }

    /// With a target band from `low` to `high`.
    pub fn band(mut self, low: i64, high: i64, label: &str) -> BarChart {
        self.band = Some((low, high, label.to_owned()));
        let bars = std::mem::take(&mut self.bars).into_iter().map(|b| (b.label, b.value, b.shown)).collect();
        self.with_bars(bars)
    }

    // For the template.

    pub fn height(&self) -> i64 {
        i64::try_from(self.bars.len()).unwrap_or(0) * ROW + 8
    }

    pub fn bar_x(&self) -> i64 {
        LABEL_WIDTH
    }

    pub fn value_x(&self, bar: &Bar) -> i64 {
        LABEL_WIDTH + bar.width + 6
    }

    /// The x of the band's two lines.
    pub fn band_x(&self) -> Option<(i64, i64)> {
        self.band.as_ref().map(|(low, high, _)| {
            (LABEL_WIDTH + low * BAR_SPACE / self.scale_max, LABEL_WIDTH + high * BAR_SPACE / self.scale_max)
        })
    }

    pub fn width(&self) -> i64 {
        LABEL_WIDTH + BAR_SPACE + 120
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_value_or_the_band() {
        let chart = BarChart::new("c", "图", "个", vec![("甲".into(), 5, "5".into()), ("乙".into(), 10, "10".into())]);
        assert_eq!(chart.bars.iter().map(|b| b.width).collect::<Vec<_>>(), [BAR_SPACE / 2, BAR_SPACE]);
        let banded = chart.band(5, 20, "目标");
        assert_eq!(banded.bars[1].width, BAR_SPACE / 2, "the band's end sets the scale");
        assert_eq!(banded.band_x(), Some((LABEL_WIDTH + BAR_SPACE / 4, LABEL_WIDTH + BAR_SPACE)));
        let empty = BarChart::new("e", "空", "个", vec![("甲".into(), 0, "0".into())]);
        assert_eq!(empty.bars[0].width, 0, "nothing to draw draws nothing, never a division by zero");
    }
}
