//! The timeline chart of a traced run: one lane per worker thread or process,
//! coloured by what it was doing (a Gantt chart), the time axis in ms.
//!
//! Spans far shorter than a pixel cannot be seen one by one: spans of one
//! state on a lane closer together than about a pixel are drawn as one, and
//! each lane is first painted idle, so a gap between spans reads as idle.

use crate::trace::{Capture, State};
use plotters::prelude::*;

/// The most lanes drawn (the rest are left out, and the caption says so).
const MAX_LANES: usize = 24;

/// The SVG of `rows` (each a name and its capture), one below the other.
pub fn timeline_svg(title: &str, rows: &[(String, &Capture)]) -> anyhow::Result<String> {
    struct Lane {
        label: String,
        wall_ms: f64,
        spans: Vec<(State, f64, f64)>,
    }
    let mut lanes: Vec<Lane> = Vec::new();
    let mut left_out = 0;
    for (name, capture) in rows {
        for track in capture.working_tracks() {
            if lanes.len() == MAX_LANES {
                left_out += 1;
                continue;
            }
            let ms = |ns: u64| ns.saturating_sub(capture.start_ns) as f64 / 1e6;
            let wall_ms = ms(capture.end_ns);
            let mut spans: Vec<(State, f64, f64)> = track
                .spans
                .iter()
                .map(|s| (s.state, ms(s.start_ns), ms(s.end_ns).min(wall_ms)))
                .filter(|(_, s, e)| s < e)
                .collect();
            spans.sort_by(|a, b| a.1.total_cmp(&b.1));
            lanes.push(Lane {
                label: format!("{name} · {}", track.name),
                wall_ms,
                spans,
            });
        }
    }
    let longest = lanes
        .iter()
        .map(|l| l.wall_ms)
        .fold(0.0, f64::max)
        .max(1e-3);
    let pixel = longest / 1500.0;
    for lane in &mut lanes {
        lane.spans = merge(std::mem::take(&mut lane.spans), pixel);
        // Longer spans first, so spans nested inside them are drawn on top.
        lane.spans
            .sort_by(|a, b| (b.2 - b.1).total_cmp(&(a.2 - a.1)));
    }

    // Room under the lanes for the legend, so it covers none of them.
    const LEGEND_LANES: f64 = 3.0;
    let height = 140 + 34 * (lanes.len().max(1) as u32 + LEGEND_LANES as u32);
    let caption = if left_out > 0 {
        format!("{title} ({left_out} more lanes left out)")
    } else {
        title.to_string()
    };
    let n = lanes.len().max(1) as f64;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1000, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let label_width = lanes
            .iter()
            .map(|l| l.label.chars().count() as u32 * 7 + 12)
            .max()
            .unwrap_or(60)
            .min(420);
        let mut chart = ChartBuilder::on(&root)
            .caption(caption, ("sans-serif", 20))
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(label_width)
            .build_cartesian_2d(0.0..longest * 1.02, -LEGEND_LANES..n)?;
        let names: Vec<String> = lanes.iter().map(|l| l.label.clone()).collect();
        let lane_name = |y: &f64| {
            let i = (n - y - 0.5).round();
            if *y > 0.0 && (y.fract() - 0.5).abs() < 1e-6 && i >= 0.0 {
                names.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .x_desc("time since the traced run started (ms)")
            .y_labels((lanes.len().max(1) + LEGEND_LANES as usize) * 2 + 1)
            .y_label_formatter(&lane_name)
            .disable_y_mesh()
            .light_line_style(WHITE.mix(0.0))
            .draw()?;
        let colour = |s: State| {
            let (r, g, b) = s.colour();
            RGBColor(r, g, b)
        };
        for (i, lane) in lanes.iter().enumerate() {
            let top = n - i as f64 - 0.1;
            let bottom = n - i as f64 - 0.9;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(0.0, bottom), (lane.wall_ms, top)],
                colour(State::Idle).filled(),
            )))?;
            chart.draw_series(lane.spans.iter().map(|&(state, start, end)| {
                Rectangle::new([(start, bottom), (end, top)], colour(state).filled())
            }))?;
        }
        for state in State::ALL {
            let c = colour(state);
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, 0.0), (0.0, 0.0)],
                    c.filled(),
                )))?
                .label(state.name())
                .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 16, y + 6)], c.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.4))
            .draw()?;
        root.present()?;
    }
    Ok(svg)
}

/// Joins spans of one state that are less than `gap` apart (sorted by start).
fn merge(spans: Vec<(State, f64, f64)>, gap: f64) -> Vec<(State, f64, f64)> {
    let mut open: Vec<(State, f64, f64)> = Vec::new();
    let mut done = Vec::new();
    for (state, start, end) in spans {
        match open.iter_mut().find(|o| o.0 == state) {
            Some(o) if start - o.2 < gap => o.2 = o.2.max(end),
            Some(o) => {
                done.push(*o);
                *o = (state, start, end);
            }
            None => open.push((state, start, end)),
        }
    }
    done.extend(open);
    done
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::Timing;
    use crate::trace::{Span, Track};

    #[test]
    fn a_timeline_has_a_lane_per_worker_and_a_legend() {
        let span = |state, a, b| Span {
            state,
            start_ns: a,
            end_ns: b,
        };
        let capture = Capture {
            label: "workers = 2".into(),
            timing: Timing::from_durations(&[std::time::Duration::from_millis(4)]),
            start_ns: 0,
            end_ns: 4_000_000,
            tracks: (0..2)
                .map(|i| Track {
                    name: format!("pool-worker-{i}"),
                    pid: 1,
                    tid: i + 1,
                    spans: vec![
                        span(State::Task, 0, 3_000_000),
                        span(State::LockWait, 1_000_000, 2_000_000),
                    ],
                    dropped: 0,
                })
                .collect(),
        };
        let svg = timeline_svg("t", &[("workers=2".into(), &capture)]).unwrap();
        assert!(svg.contains("pool-worker-0") && svg.contains("pool-worker-1"));
        for state in State::ALL {
            assert!(svg.contains(state.name()), "legend lacks {}", state.name());
        }
        assert!(svg.contains("(ms)"));
    }

    #[test]
    fn close_spans_of_one_state_merge() {
        let merged = merge(
            vec![
                (State::Task, 0.0, 1.0),
                (State::Task, 1.05, 2.0),
                (State::Task, 3.0, 4.0),
            ],
            0.1,
        );
        assert_eq!(merged.len(), 2);
    }
}
