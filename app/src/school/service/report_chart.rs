//! The charts of «統計報表»: grouped bars drawn on the server with plotters' SVG
//! backend (no fonts, no bitmaps), one colour per series. The SVG holds numbers and
//! dates only; the page puts the legend and a summary in the reader's language beside
//! it (`role="img"` with an `aria-label`), and the table beside it has every number.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The drawing's size in SVG units (the page scales it to its column).
const WIDTH: u32 = 720;
const HEIGHT: u32 = 300;
/// At most this many category labels under the axis (every k-th one beyond).
const MAX_LABELS: usize = 12;
/// Values are written on the bars when there are at most this many bars.
const MAX_VALUE_LABELS: usize = 45;

/// The series' colours, each at least 3:1 against white (WCAG 1.4.11); the legend's
/// swatches in `style/school.css` (`.chart-key--0` …) use the same.
const SERIES_COLOURS: [RGBColor; 3] = [
    RGBColor(0x1a, 0x4a, 0x8a),
    RGBColor(0x4f, 0x86, 0xc6),
    RGBColor(0xc2, 0x41, 0x0c),
];
const AXIS: RGBColor = RGBColor(0x4a, 0x55, 0x61);

/// The chart of `series` (each a value per category) as an SVG document; empty
/// without categories.
pub(super) fn bar_chart(categories: &[String], series: &[Vec<u32>]) -> String {
    if categories.is_empty() {
        return String::new();
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        if let Err(e) = draw(&root, categories, series) {
            tracing::warn!("report chart: {e:?}");
        }
        if let Err(e) = root.present() {
            tracing::warn!("report chart: {e:?}");
        }
    }
    svg
}

/// A step of 1, 2 or 5 × 10ⁿ that puts at most five ticks up to `max`.
fn tick_step(max: u32) -> u32 {
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if max / (step * m) <= 5 {
                return step * m;
            }
        }
        step *= 10;
    }
}

/// A day (`2026-03-02`) as `03-02`; months and channels as they are.
fn short(category: &str) -> String {
    if category.len() == 10 && category.as_bytes().get(4) == Some(&b'-') {
        category[5..].to_owned()
    } else {
        category.to_owned()
    }
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    categories: &[String],
    series: &[Vec<u32>],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let n = u32::try_from(categories.len()).unwrap_or(u32::MAX).max(1);
    let max = series.iter().flatten().copied().max().unwrap_or(0).max(1);
    let step = tick_step(max);
    let top = (max / step + 1) * step;
    // One segment per category: segment i spans Exact(i) to Exact(i + 1).
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(52)
        .build_cartesian_2d((0u32..n - 1).into_segmented(), 0u32..top)?;
    let label = |v: &SegmentValue<u32>| match v {
        SegmentValue::Exact(i) | SegmentValue::CenterOf(i) => categories
            .get(*i as usize)
            .map(|c| short(c))
            .unwrap_or_default(),
        SegmentValue::Last => String::new(),
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(MAX_LABELS)
        .y_labels((top / step + 1) as usize)
        .bold_line_style(RGBColor(0xd5, 0xdb, 0xe1))
        .light_line_style(TRANSPARENT)
        .axis_style(AXIS)
        .label_style(("sans-serif", 18).into_font().color(&AXIS))
        .x_label_formatter(&label)
        .draw()?;
    // The bars of a category side by side in the middle 80 % of its segment (pixels).
    let segment = chart.plotting_area().dim_in_pixel().0 / n;
    let groups = u32::try_from(series.len()).unwrap_or(1).max(1);
    let pad = segment / 10;
    let bar = (segment - 2 * pad) / groups;
    let with_values = (n * groups) as usize <= MAX_VALUE_LABELS;
    let value_style = TextStyle::from(("sans-serif", 16).into_font())
        .color(&AXIS)
        .pos(Pos::new(HPos::Center, VPos::Bottom));
    for (j, values) in (0u32..).zip(series) {
        let colour = SERIES_COLOURS[j as usize % SERIES_COLOURS.len()];
        let left = pad + j * bar;
        let right = segment.saturating_sub(left + bar);
        chart.draw_series((0u32..).zip(values).map(|(i, v)| {
            let mut r = Rectangle::new(
                [
                    (SegmentValue::Exact(i), 0),
                    (SegmentValue::Exact(i + 1), *v),
                ],
                colour.filled(),
            );
            r.set_margin(0, 0, left, right);
            r
        }))?;
        if with_values {
            let dx = i32::try_from(left + bar / 2).unwrap_or(0);
            chart.draw_series((0u32..).zip(values).map(|(i, v)| {
                EmptyElement::at((SegmentValue::Exact(i), *v))
                    + Text::new(v.to_string(), (dx, -2), value_style.clone())
            }))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_an_svg_with_a_bar_per_value_and_its_labels() {
        let cats = ["2026-03-02".to_owned(), "2026-03-03".to_owned()];
        let svg = bar_chart(&cats, &[vec![4, 3], vec![3, 0], vec![1, 0]]);
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("03-02") && svg.contains("03-03"));
        assert!(svg.contains("#1A4A8A") || svg.contains("#1a4a8a"), "{svg}");
        assert!(!svg.contains("style="), "no inline styles (CSP)");
        assert!(bar_chart(&[], &[]).is_empty());
    }

    #[test]
    fn ticks_are_round_numbers() {
        assert_eq!(tick_step(1), 1);
        assert_eq!(tick_step(5), 1);
        assert_eq!(tick_step(7), 2);
        assert_eq!(tick_step(24), 5);
        assert_eq!(tick_step(180), 50);
    }
}
