//! Line and point charts as SVG files, drawn with plotters' SVG backend.
//!
//! A [`Plot`] is data, not drawing code: a kind says what to show, and the harness
//! draws it. Logarithmic axes are drawn by plotting `log(x)` on a linear axis and
//! labelling ticks with the original values, which keeps one code path for every
//! combination of scales.

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

    fn label(self, v: f64) -> String {
        match self {
            Scale::Linear => crate::numbers::format_number(v),
            Scale::Log2 => crate::numbers::format_number(2f64.powf(v).round()),
            Scale::Log10 => {
                let e = v.round();
                if (v - e).abs() < 1e-9 {
                    format!("1e{e}")
                } else {
                    String::new()
                }
            }
        }
    }
}

/// Where the legend goes: the corner the data leaves free.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Legend {
    /// Top left, the default: rising curves leave it free.
    #[default]
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
        if ys == Scale::Linear {
            y0 = y0.min(0.0);
        }
        pad(&mut x0, &mut x1, 0.02);
        pad(&mut y0, &mut y1, 0.06);

        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (860, 540)).into_drawing_area();
            root.fill(&WHITE)?;
            let mut chart = ChartBuilder::on(&root)
                .caption(&self.title, ("sans-serif", 22))
                .margin(16)
                .x_label_area_size(48)
                .y_label_area_size(72)
                .build_cartesian_2d(x0..x1, y0..y1)?;
            let x_fmt = |v: &f64| xs.label(*v);
            let y_fmt = |v: &f64| ys.label(*v);
            chart
                .configure_mesh()
                .x_desc(self.x_label.as_str())
                .y_desc(self.y_label.as_str())
                .x_label_formatter(&x_fmt)
                .y_label_formatter(&y_fmt)
                .light_line_style(WHITE.mix(0.0))
                .draw()?;
            for (i, (spec, points)) in self.series.iter().zip(&series).enumerate() {
                let color = Palette99::pick(spec.color.unwrap_or(i)).to_rgba();
                let stroke = color.stroke_width(2);
                let anno = match spec.style {
                    Style::Line | Style::LinePoints => {
                        chart.draw_series(LineSeries::new(points.iter().copied(), stroke))?
                    }
                    Style::Dashed => chart.draw_series(DashedLineSeries::new(
                        points.iter().copied(),
                        8,
                        5,
                        stroke,
                    ))?,
                    Style::Points => chart
                        .draw_series(points.iter().map(|&p| Circle::new(p, 4, color.filled())))?,
                };
                anno.label(spec.label.as_str()).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 22, y)], color.stroke_width(3))
                });
                if spec.style == Style::LinePoints {
                    chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
                }
            }
            chart
                .configure_series_labels()
                .position(match self.legend {
                    Legend::UpperLeft => SeriesLabelPosition::UpperLeft,
                    Legend::UpperRight => SeriesLabelPosition::UpperRight,
                    Legend::LowerLeft => SeriesLabelPosition::LowerLeft,
                    Legend::LowerRight => SeriesLabelPosition::LowerRight,
                })
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK.mix(0.4))
                .draw()?;
            root.present()?;
        }
        Ok(svg)
    }
}

fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) }
}

fn pad(lo: &mut f64, hi: &mut f64, by: f64) {
    let span = (*hi - *lo).max(1e-9);
    *lo -= span * by;
    *hi += span * by;
}

#[cfg(test)]
mod tests {
    use super::*;

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
            "1e4",
        ] {
            assert!(svg.contains(text), "missing {text:?}");
        }
    }
}
