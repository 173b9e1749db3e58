//! Line and point charts as SVG files, drawn with plotters' SVG backend.
//!
//! A [`Plot`] is data, not drawing code: a kind says what to show, and the harness
//! draws it. Logarithmic axes are drawn by plotting `log(x)` on a linear axis and
//! labelling ticks with the original values, which keeps one code path for every
//! combination of scales.
//!
//! What makes a plot readable on its own, and where this file sees to it:
//!
//! * **Ticks to read a point off** ([`ticks`]): nice steps (1, 2, 5 × 10ⁿ) on a
//!   linear axis, whole numbers only on an axis whose values all are (workers:
//!   never `1 1 1 2 2`), powers of two on a log₂ axis, and on a log₁₀ axis
//!   decades when it spans many, 1-2-5 ticks when it spans a few, finer ones
//!   when it spans less than a decade.
//! * **A legend as drawn**: each entry in its series' style — a dashed line
//!   for a dashed series, a marker for points — and by default beside the plot
//!   area ([`Legend::Beside`]), where it covers no data.
//! * **Colours that read on white**: [`PALETTE`], with no pale yellow.
//! * **An axis fitted to its data**: a linear axis starts at zero only when the
//!   data come near it (the smallest value below half the largest).
//!
//! Each axis label names its unit, e.g. `speedup (×)`, `time (ms)`: that is
//! the caller's text.

use plotters::prelude::*;

/// How an axis maps values to positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Equal steps for equal differences.
    Linear,
    /// Powers of two evenly spaced (worker counts).
    Log2,
    /// Powers of ten evenly spaced (sample counts, error rates).
    Log10,
}

impl Scale {
    fn forward(self, v: f64) -> f64 {
        match self {
            Scale::Linear => v,
            Scale::Log2 => v.log2(),
            Scale::Log10 => v.log10(),
        }
    }

    fn back(self, v: f64) -> f64 {
        match self {
            Scale::Linear => v,
            Scale::Log2 => 2f64.powf(v),
            Scale::Log10 => 10f64.powf(v),
        }
    }
}

/// The ticks of an axis showing `lo..hi` (in axis space: after the log of a log
/// scale): their positions, in axis space, and their labels. `integers`: every
/// value on the axis is a whole number, so no tick falls between two.
pub fn ticks(scale: Scale, lo: f64, hi: f64, integers: bool) -> Vec<(f64, String)> {
    let (lo_v, hi_v) = (scale.back(lo), scale.back(hi));
    let linear = |target: usize| -> Vec<(f64, String)> {
        let mut step = nice_step((hi_v - lo_v) / target as f64);
        if integers {
            step = step.max(1.0).round();
        }
        let decimals = (-step.log10().floor()).max(0.0) as usize;
        let first = (lo_v / step).ceil() as i64;
        let last = (hi_v / step).floor() as i64;
        (first..=last)
            .map(|k| k as f64 * step)
            .filter(|v| scale == Scale::Linear || *v > 0.0)
            .map(|v| {
                let v = if v == 0.0 { 0.0 } else { v }; // no "-0"
                (scale.forward(v), format!("{v:.decimals$}"))
            })
            .collect()
    };
    match scale {
        Scale::Linear => linear(10),
        Scale::Log2 => {
            let powers: Vec<f64> = ((lo.ceil() as i64)..=(hi.floor() as i64))
                .map(|k| k as f64)
                .collect();
            if powers.len() >= 3 {
                let every = powers.len().div_ceil(12);
                powers
                    .iter()
                    .step_by(every)
                    .map(|&k| (k, crate::numbers::format_number(2f64.powf(k))))
                    .collect()
            } else {
                linear(5)
            }
        }
        Scale::Log10 => {
            let decades = (lo.floor() as i64)..=(hi.ceil() as i64);
            let with = |mantissas: &[f64]| -> Vec<(f64, String)> {
                decades
                    .clone()
                    .flat_map(|e| mantissas.iter().map(move |m| m * 10f64.powi(e as i32)))
                    .filter(|&v| v >= lo_v * (1.0 - 1e-9) && v <= hi_v * (1.0 + 1e-9))
                    .map(|v| (v.log10(), log_label(v)))
                    .collect()
            };
            let span = hi - lo;
            if span > 4.0 {
                let every = (span / 10.0).ceil().max(1.0) as usize;
                let all = with(&[1.0]);
                all.into_iter().step_by(every).collect()
            } else {
                [
                    vec![1.0],
                    vec![1.0, 2.0, 5.0],
                    (1..10).map(f64::from).collect(),
                ]
                .iter()
                .map(|m| with(m))
                .find(|t| t.len() >= 4)
                .unwrap_or_else(|| linear(5))
            }
        }
    }
}

/// The step of 1, 2 or 5 × 10ⁿ nearest above `raw`.
fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * magnitude)
}

/// A tick value on a log axis: plain digits for everyday magnitudes (`0.005`,
/// `2000`, `100 000` grouped by thousands), `2e-5` and `1e7` beyond them.
fn log_label(v: f64) -> String {
    let v = crate::numbers::significant(v, 3);
    if (1e4..1e7).contains(&v) {
        let digits = format!("{v:.0}");
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(' ');
            }
            out.push(c);
        }
        out
    } else if (1e-3..1e4).contains(&v) {
        let decimals = (-v.log10().floor()).max(0.0) as usize + 2;
        let s = format!("{v:.decimals$}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        s.to_string()
    } else {
        let e = v.log10().floor();
        let m = crate::numbers::significant(v / 10f64.powf(e), 2);
        format!("{m}e{e}")
    }
}

/// The series colours: strong enough to read as a thin line on white, distinct
/// for the colour-blind (Okabe and Ito's palette, its pale yellow left out, and
/// two darker tones after it).
pub const PALETTE: [(u8, u8, u8); 8] = [
    (0, 114, 178),   // blue
    (213, 94, 0),    // vermillion
    (0, 158, 115),   // bluish green
    (204, 121, 167), // reddish purple
    (230, 159, 0),   // orange
    (86, 180, 233),  // sky blue
    (60, 60, 60),    // near black
    (140, 86, 75),   // brown
];

fn palette(i: usize) -> RGBColor {
    let (r, g, b) = PALETTE[i % PALETTE.len()];
    RGBColor(r, g, b)
}

/// Where the legend goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Legend {
    /// Right of the plot area, the default: it never covers data.
    #[default]
    Beside,
    /// Top left, inside the plot area: only where the data leave it free.
    UpperLeft,
    /// Top right: for falling curves.
    UpperRight,
    /// Bottom left.
    LowerLeft,
    /// Bottom right.
    LowerRight,
}

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// A solid line through the points: a model or a measured curve.
    Line,
    /// A dashed line: a reference (theory, an ideal) to compare against.
    Dashed,
    /// Markers only: measurements that should not be read between.
    Points,
    /// A solid line with a marker at each point.
    LinePoints,
}

/// One named set of `(x, y)` points.
#[derive(Debug, Clone)]
pub struct Series {
    /// Its name in the legend.
    pub label: String,
    /// The `(x, y)` points, in the order drawn.
    pub points: Vec<(f64, f64)>,
    /// How it is drawn.
    pub style: Style,
    /// The palette index of its colour; series share a colour to show they belong
    /// together (the same serial fraction under two laws). By default, its position.
    pub color: Option<usize>,
}

impl Series {
    /// A series drawn in `style`, coloured by its position in the plot.
    pub fn new(label: impl Into<String>, style: Style, points: Vec<(f64, f64)>) -> Series {
        Series {
            label: label.into(),
            points,
            style,
            color: None,
        }
    }

    /// Gives it the palette colour `index` (series that belong together share one).
    pub fn color(mut self, index: usize) -> Series {
        self.color = Some(index);
        self
    }
}

/// A chart: written as `<experiment>.svg`, or `<experiment>-<suffix>.svg`.
#[derive(Debug, Clone)]
pub struct Plot {
    /// Names the file `<experiment>-<suffix>.svg` (one experiment, several plots).
    pub suffix: Option<String>,
    /// The caption.
    pub title: String,
    /// The x axis label, with its unit.
    pub x_label: String,
    /// The y axis label, with its unit.
    pub y_label: String,
    /// How x values map to positions.
    pub x_scale: Scale,
    /// How y values map to positions.
    pub y_scale: Scale,
    /// The curves, drawn in order.
    pub series: Vec<Series>,
    /// Where the legend goes.
    pub legend: Legend,
}

impl Plot {
    /// An empty chart on linear axes.
    pub fn new(
        title: impl Into<String>,
        x_label: impl Into<String>,
        y_label: impl Into<String>,
    ) -> Plot {
        Plot {
            suffix: None,
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            x_scale: Scale::Linear,
            y_scale: Scale::Linear,
            series: Vec::new(),
            legend: Legend::default(),
        }
    }

    /// Names its file `<experiment>-<suffix>.svg`.
    pub fn suffix(mut self, suffix: impl Into<String>) -> Plot {
        self.suffix = Some(suffix.into());
        self
    }

    /// Sets both axes' scales.
    pub fn scales(mut self, x: Scale, y: Scale) -> Plot {
        self.x_scale = x;
        self.y_scale = y;
        self
    }

    /// Puts the legend in another corner (falling curves want the upper right).
    pub fn legend(mut self, legend: Legend) -> Plot {
        self.legend = legend;
        self
    }

    /// Adds a curve.
    pub fn series(mut self, series: Series) -> Plot {
        self.series.push(series);
        self
    }

    /// Draws the chart as an SVG document. Points that a log axis cannot show
    /// (zero or negative) are left out.
    pub fn to_svg(&self) -> anyhow::Result<String> {
        const SIZE: (u32, u32) = (860, 540);
        let (xs, ys) = (self.x_scale, self.y_scale);
        let series: Vec<Vec<(f64, f64)>> = self
            .series
            .iter()
            .map(|s| {
                s.points
                    .iter()
                    .map(|&(x, y)| (xs.forward(x), ys.forward(y)))
                    .filter(|(x, y)| x.is_finite() && y.is_finite())
                    .collect()
            })
            .collect();
        let all = || series.iter().flatten();
        let (mut x0, mut x1) = bounds(all().map(|p| p.0));
        let (mut y0, mut y1) = bounds(all().map(|p| p.1));
        if ys == Scale::Linear && y0 >= 0.0 && y0 < 0.5 * y1 {
            y0 = 0.0;
        }
        pad(&mut x0, &mut x1, 0.02);
        pad(&mut y0, &mut y1, 0.06);
        let whole = |axis: fn(&(f64, f64)) -> f64| {
            let shown = self.series.iter().flat_map(|s| &s.points).map(axis);
            shown.filter(|v| v.is_finite()).all(|v| v.fract() == 0.0)
        };
        let x_ticks = ticks(xs, x0, x1, whole(|p| p.0));
        let y_ticks = ticks(ys, y0, y1, whole(|p| p.1));
        let label = |ticks: &[(f64, String)], v: f64| {
            ticks
                .iter()
                .find(|(at, _)| (at - v).abs() <= 1e-9 * (1.0 + at.abs()))
                .map_or(String::new(), |(_, l)| l.clone())
        };
        let items: Vec<(Style, RGBColor, &str)> = self
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| (s.style, palette(s.color.unwrap_or(i)), s.label.as_str()))
            .collect();
        let legend_w = items
            .iter()
            .map(|(_, _, l)| l.chars().count() as i32 * 13 / 2 + 52)
            .max()
            .unwrap_or(0)
            .clamp(100, 330);
        let beside = self.legend == Legend::Beside && !items.is_empty();

        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
            root.fill(&WHITE)?;
            let titled = root.titled(&self.title, ("sans-serif", 22))?;
            let plot_w = if beside {
                SIZE.0 as i32 - legend_w
            } else {
                SIZE.0 as i32
            };
            let (area, _) = titled.split_horizontally(plot_w);
            let mut chart = ChartBuilder::on(&area)
                .margin(16)
                .x_label_area_size(48)
                .y_label_area_size(72)
                .build_cartesian_2d(Axis::new(x0, x1, &x_ticks), Axis::new(y0, y1, &y_ticks))?;
            let x_fmt = |v: &f64| label(&x_ticks, *v);
            let y_fmt = |v: &f64| label(&y_ticks, *v);
            chart
                .configure_mesh()
                .x_desc(self.x_label.as_str())
                .y_desc(self.y_label.as_str())
                .x_label_formatter(&x_fmt)
                .y_label_formatter(&y_fmt)
                .bold_line_style(BLACK.mix(0.12))
                .label_style(("sans-serif", 13))
                .axis_desc_style(("sans-serif", 15))
                .draw()?;
            for ((style, color, _), points) in items.iter().zip(&series) {
                let stroke = color.stroke_width(2);
                match style {
                    Style::Line | Style::LinePoints => {
                        chart.draw_series(LineSeries::new(points.iter().copied(), stroke))?;
                    }
                    Style::Dashed => {
                        chart.draw_series(DashedLineSeries::new(
                            points.iter().copied(),
                            8,
                            5,
                            stroke,
                        ))?;
                    }
                    Style::Points => {}
                }
                let radius = match style {
                    Style::Points => 4,
                    Style::LinePoints => 3,
                    _ => continue,
                };
                chart.draw_series(
                    points
                        .iter()
                        .map(|&p| Circle::new(p, radius, color.filled())),
                )?;
            }
            let (px, py) = chart.plotting_area().get_pixel_range();
            let h = items.len() as i32 * 20 + 10;
            let at = match self.legend {
                Legend::Beside => (plot_w + 2, py.start),
                Legend::UpperLeft => (px.start + 8, py.start + 8),
                Legend::UpperRight => (px.end - legend_w - 8, py.start + 8),
                Legend::LowerLeft => (px.start + 8, py.end - h - 8),
                Legend::LowerRight => (px.end - legend_w - 8, py.end - h - 8),
            };
            if !items.is_empty() {
                draw_legend(&root, &items, at, legend_w, !beside)?;
            }
            root.present()?;
        }
        Ok(svg)
    }
}

/// A linear axis from `lo` to `hi` with our ticks: plotters draws the grid
/// and the labels where [`ticks`] put them, instead of choosing its own.
struct Axis {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Axis {
    fn new(lo: f64, hi: f64, ticks: &[(f64, String)]) -> Axis {
        let ticks = ticks.iter().map(|t| t.0).collect();
        Axis { lo, hi, ticks }
    }
}

impl Ranged for Axis {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let at = (v - self.lo) / (self.hi - self.lo);
        limit.0 + (at * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<H: plotters::coord::ranged1d::KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

/// Draws the legend at `at` (pixels, top left): each entry in its series'
/// style — a solid line, a dashed one, a marker, a line with a marker — and its
/// name. `boxed`: on a white box with a border, for a legend inside the plot.
fn draw_legend(
    root: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    items: &[(Style, RGBColor, &str)],
    (x0, y0): (i32, i32),
    width: i32,
    boxed: bool,
) -> anyhow::Result<()> {
    if boxed {
        let corner = (x0 + width, y0 + items.len() as i32 * 20 + 10);
        root.draw(&Rectangle::new([(x0, y0), corner], WHITE.mix(0.9).filled()))?;
        root.draw(&Rectangle::new([(x0, y0), corner], BLACK.mix(0.4)))?;
    }
    for (i, (style, color, label)) in items.iter().enumerate() {
        let (x, y) = (x0 + 10, y0 + 15 + i as i32 * 20);
        let line = color.stroke_width(2);
        let dashes: &[(i32, i32)] = match style {
            Style::Line | Style::LinePoints => &[(0, 26)],
            Style::Dashed => &[(0, 7), (10, 16), (19, 26)],
            Style::Points => &[],
        };
        for &(a, b) in dashes {
            root.draw(&PathElement::new(vec![(x + a, y), (x + b, y)], line))?;
        }
        match style {
            Style::Points => root.draw(&Circle::new((x + 13, y), 4, color.filled()))?,
            Style::LinePoints => root.draw(&Circle::new((x + 13, y), 3, color.filled()))?,
            _ => {}
        }
        let font = ("sans-serif", 13).into_font().color(&BLACK);
        root.draw(&Text::new(label.to_string(), (x + 36, y - 7), font))?;
    }
    Ok(())
}

fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) }
}

fn pad(lo: &mut f64, hi: &mut f64, by: f64) {
    if *hi - *lo < 1e-9 * (1.0 + hi.abs()) {
        // One value: a range around it, so the ticks can say what it is.
        let half = (hi.abs() * 0.1).max(0.5);
        *lo -= half;
        *hi += half;
    }
    let span = *hi - *lo;
    *lo -= span * by;
    *hi += span * by;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(scale: Scale, lo: f64, hi: f64, integers: bool) -> Vec<String> {
        let (lo, hi) = (scale.forward(lo), scale.forward(hi));
        ticks(scale, lo, hi, integers)
            .into_iter()
            .map(|t| t.1)
            .collect()
    }

    #[test]
    fn an_axis_of_whole_numbers_gets_whole_ticks_each_once() {
        // The old Log2 labels read "1 1 1 2 2" over workers 1 to 2.
        assert_eq!(labels(Scale::Log2, 0.97, 2.03, true), ["1", "2"]);
        assert_eq!(labels(Scale::Linear, 0.9, 4.1, true), ["1", "2", "3", "4"]);
        assert_eq!(labels(Scale::Log2, 0.9, 4.2, true), ["1", "2", "4"]);
        assert_eq!(labels(Scale::Log2, 1.0, 1024.0, true).len(), 11);
        for (lo, hi) in [(0.9, 2.1), (0.5, 3.5), (0.0, 17.0), (1.0, 1000.0)] {
            let shown = labels(Scale::Linear, lo, hi, true);
            let mut unique = shown.clone();
            unique.dedup();
            assert_eq!(shown, unique, "{lo}..{hi}");
            assert!(shown.len() >= 2, "{lo}..{hi}: {shown:?}");
        }
    }

    #[test]
    fn a_log_axis_of_less_than_a_decade_still_has_ticks_to_read_by() {
        assert_eq!(
            labels(Scale::Log10, 0.0021, 0.09, false),
            ["0.005", "0.01", "0.02", "0.05"]
        );
        let narrow = labels(Scale::Log10, 2.0, 9.0, false);
        assert!(narrow.len() >= 4, "{narrow:?}");
        let tiny = labels(Scale::Log10, 0.95, 1.06, false);
        assert!(tiny.len() >= 3, "a tenth of a decade: {tiny:?}");
        // Many decades: decades only, in one style of number.
        assert_eq!(
            labels(Scale::Log10, 900.0, 1.1e6, true),
            ["1000", "10 000", "100 000", "1 000 000"]
        );
        assert_eq!(labels(Scale::Log10, 1e-9, 1e-5, false)[0], "1e-9");
    }

    #[test]
    fn linear_ticks_take_nice_steps() {
        assert_eq!(
            labels(Scale::Linear, 0.93, 1.09, false),
            [
                "0.94", "0.96", "0.98", "1.00", "1.02", "1.04", "1.06", "1.08"
            ]
        );
        assert_eq!(
            labels(Scale::Linear, 0.0, 100.0, true),
            [
                "0", "10", "20", "30", "40", "50", "60", "70", "80", "90", "100"
            ]
        );
        assert_eq!(
            labels(Scale::Linear, -0.2, 4.2, false)[..3],
            ["0.0", "0.5", "1.0"]
        );
    }

    #[test]
    fn the_legend_draws_each_series_in_its_own_style() {
        let plot = Plot::new("styles", "x (s)", "y (s)")
            .series(Series::new(
                "solid",
                Style::Line,
                vec![(1.0, 1.0), (2.0, 2.0)],
            ))
            .series(Series::new(
                "dashed",
                Style::Dashed,
                vec![(1.0, 2.0), (2.0, 3.0)],
            ))
            .series(Series::new(
                "dots",
                Style::Points,
                vec![(1.0, 3.0), (2.0, 3.5)],
            ));
        let svg = plot.to_svg().unwrap();
        let (solid, dashed, dots) = (palette(0), palette(1), palette(2));
        let hex = |c: RGBColor| format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2);
        let polylines = |c| {
            svg.lines()
                .filter(|l| l.starts_with("<polyline") && l.contains(&hex(c)))
                .count()
        };
        let circles = |c| {
            svg.lines()
                .filter(|l| l.starts_with("<circle") && l.contains(&hex(c)))
                .count()
        };
        // The solid line and its legend line; the dashes of the dashed line
        // and three in its legend entry; the two points and one in the legend.
        assert_eq!(polylines(solid), 2, "{svg}");
        assert!(polylines(dashed) >= 3 + 3, "{svg}");
        assert_eq!((polylines(dots), circles(dots)), (0, 3), "{svg}");
        assert_eq!(circles(solid) + circles(dashed), 0);
        // No pale yellow anywhere.
        assert!(!svg.contains("#FFE119"));
    }

    #[test]
    fn a_log_log_plot_renders_labels_legend_and_skips_zeros() {
        let plot = Plot::new("Error vs samples", "samples", "error")
            .scales(Scale::Log10, Scale::Log10)
            .series(Series::new(
                "measured",
                Style::Points,
                vec![(1e3, 0.03), (1e4, 0.0), (1e5, 0.004)],
            ))
            .series(Series::new(
                "1/√N",
                Style::Dashed,
                vec![(1e3, 0.0316), (1e5, 0.00316)],
            ));
        let svg = plot.to_svg().unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..60]);
        for text in [
            "Error vs samples",
            "samples",
            "error",
            "measured",
            "1/√N",
            "10 000",
        ] {
            assert!(svg.contains(text), "missing {text:?}");
        }
    }
}
