//! The timeline chart of a traced run: one lane per worker thread or process,
//! coloured by what it was doing (a Gantt chart), the time axis in ms.
//!
//! A lane is drawn one pixel column at a time. Each column shows the share of
//! each state in the time it covers, stacked within the lane's height (task at
//! the bottom, idle on top), so a lane of tasks far shorter than a pixel that
//! was 98% overhead looks 98% overhead, and a span longer than a column is a
//! solid bar. Each instant counts for its innermost span (as in the ledger,
//! see [`segments`]); time no span covers is idle. Idle is the top of every
//! stack, so a lane is painted idle and each other state drawn over it as one
//! band (a polygon along its floor and ceiling, with corners only where it
//! steps): a chart of long spans stays small.

use crate::trace::{Capture, State, segments};
use plotters::prelude::*;

/// The most lanes drawn (the rest are left out, and the caption says so).
const MAX_LANES: usize = 24;

/// A lane's share of its row of the chart; the rest is the gap between lanes.
const LANE_FILL: f64 = 0.8;

/// The SVG of `rows` (each a name and its capture), one below the other.
pub fn timeline_svg(title: &str, rows: &[(String, &Capture)]) -> anyhow::Result<String> {
    struct Lane {
        label: String,
        wall_ns: u64,
        /// Innermost pieces, in ns since the traced run started.
        pieces: Vec<(State, u64, u64)>,
    }
    let mut lanes: Vec<Lane> = Vec::new();
    let mut left_out = 0;
    for (name, capture) in rows {
        for track in capture.working_tracks() {
            if lanes.len() == MAX_LANES {
                left_out += 1;
                continue;
            }
            let origin = capture.start_ns;
            lanes.push(Lane {
                label: format!("{name} · {}", track.name),
                wall_ns: capture.end_ns.saturating_sub(origin),
                pieces: segments(track, capture.start_ns, capture.end_ns)
                    .into_iter()
                    .map(|(state, start, end)| (state, start - origin, end - origin))
                    .collect(),
            });
        }
    }
    let longest_ms = lanes
        .iter()
        .map(|l| l.wall_ns as f64 / 1e6)
        .fold(0.0, f64::max)
        .max(1e-3);
    let x_end_ms = longest_ms * 1.02;

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
            .build_cartesian_2d(0.0..x_end_ms, -LEGEND_LANES..n)?;
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

        // One column per pixel of the plot's width; the lane's height in
        // pixels is what a column's shares are rounded to.
        let (xs, ys) = chart.plotting_area().get_pixel_range();
        let columns = (xs.end - xs.start).max(1) as f64;
        let column_ns = x_end_ms * 1e6 / columns;
        let lane_px = ((ys.end - ys.start) as f64 / (n + LEGEND_LANES) * LANE_FILL)
            .round()
            .max(1.0) as u32;
        for (i, lane) in lanes.iter().enumerate() {
            let bottom = n - i as f64 - 0.5 - LANE_FILL / 2.0;
            let bins = bin(&lane.pieces, lane.wall_ns, column_ns);
            let lane_ms = lane.wall_ns as f64 / 1e6;
            let x = |column: usize| (column as f64 * column_ns / 1e6).min(lane_ms);
            let y = |px: u32| bottom + f64::from(px) / f64::from(lane_px) * LANE_FILL;
            // Idle is the top of every stack: the lane is painted idle, and
            // each other state drawn over it as one band, a polygon that
            // follows the state's floor and ceiling (in whole pixels) from
            // column to column.
            chart.draw_series(std::iter::once(Rectangle::new(
                [(0.0, y(0)), (lane_ms, y(lane_px))],
                colour(State::Idle).filled(),
            )))?;
            let stacks: Vec<[u32; 5]> = bins.iter().map(|t| stack_heights(t, lane_px)).collect();
            let idle = slot(State::Idle);
            for s in (0..5).filter(|&s| s != idle) {
                if stacks.iter().all(|stack| stack[s] == 0) {
                    continue;
                }
                let edges: Vec<(u32, u32)> = stacks
                    .iter()
                    .map(|stack| {
                        let floor: u32 = stack[..s].iter().sum();
                        (floor, floor + stack[s])
                    })
                    .collect();
                chart.draw_series(std::iter::once(Polygon::new(
                    band(&edges, x, y),
                    colour(State::ALL[s]).filled(),
                )))?;
            }
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

/// The outline of a band whose floor and ceiling in column `c` are
/// `edges[c]` (pixels): along the ceilings left to right, then back along the
/// floors. Where the band is empty its floor and ceiling meet, and nothing
/// shows.
fn band(edges: &[(u32, u32)], x: impl Fn(usize) -> f64, y: impl Fn(u32) -> f64) -> Vec<(f64, f64)> {
    let n = edges.len();
    let mut points = Vec::new();
    step_line(
        &mut points,
        (0..n).map(|c| (x(c), x(c + 1), edges[c].1)),
        &y,
    );
    step_line(
        &mut points,
        (0..n).rev().map(|c| (x(c + 1), x(c), edges[c].0)),
        &y,
    );
    points
}

/// Appends the corners of a step line through `steps`, each `(from, to,
/// height)`: its two ends, and two corners where the height changes.
fn step_line(
    points: &mut Vec<(f64, f64)>,
    steps: impl Iterator<Item = (f64, f64, u32)>,
    y: &impl Fn(u32) -> f64,
) {
    let mut last: Option<(f64, u32)> = None;
    for (from, to, h) in steps {
        match last {
            Some((_, l)) if l == h => {}
            Some((_, l)) => {
                points.push((from, y(l)));
                points.push((from, y(h)));
            }
            None => points.push((from, y(h))),
        }
        last = Some((to, h));
    }
    if let Some((to, l)) = last {
        points.push((to, y(l)));
    }
}

/// Where a state sits in [`State::ALL`] (and in a column's stack, from the bottom).
fn slot(state: State) -> usize {
    State::ALL
        .iter()
        .position(|&s| s == state)
        .expect("every state is in ALL")
}

/// The time (ns) of each state, in the order of [`State::ALL`], in each column
/// of `width_ns` from 0 up to `wall_ns`: `pieces` (in time order, not
/// overlapping) where they are, idle where none is. A column's parts sum to
/// the time it covers (the last one may be cut short by `wall_ns`).
fn bin(pieces: &[(State, u64, u64)], wall_ns: u64, width_ns: f64) -> Vec<[f64; 5]> {
    let wall = wall_ns as f64;
    let columns = (wall / width_ns).ceil() as usize;
    let mut bins = vec![[0.0_f64; 5]; columns];
    for &(state, start, end) in pieces {
        let (start, end) = (start as f64, (end as f64).min(wall));
        if start >= end {
            continue;
        }
        let first = (start / width_ns) as usize;
        let last = ((end / width_ns).ceil() as usize).min(columns);
        for (c, column) in bins.iter_mut().enumerate().take(last).skip(first) {
            let (a, b) = (c as f64 * width_ns, (c + 1) as f64 * width_ns);
            let overlap = end.min(b) - start.max(a);
            if overlap > 0.0 {
                column[slot(state)] += overlap;
            }
        }
    }
    let idle = slot(State::Idle);
    for (c, column) in bins.iter_mut().enumerate() {
        let covered = ((c + 1) as f64 * width_ns).min(wall) - c as f64 * width_ns;
        let recorded: f64 = column
            .iter()
            .enumerate()
            .filter(|&(s, _)| s != idle)
            .map(|(_, t)| t)
            .sum();
        column[idle] = (covered - recorded).max(0.0);
    }
    bins
}

/// A column's shares as whole pixels of a lane `px` high, summing to `px`
/// (largest remainders first), so a state with a visible share keeps it.
fn stack_heights(time: &[f64; 5], px: u32) -> [u32; 5] {
    let total: f64 = time.iter().sum();
    let mut heights = [0u32; 5];
    if total <= 0.0 {
        return heights;
    }
    let exact: Vec<f64> = time.iter().map(|t| t / total * f64::from(px)).collect();
    for (h, e) in heights.iter_mut().zip(&exact) {
        *h = e.floor() as u32;
    }
    let mut order: Vec<usize> = (0..5).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())));
    let short = px - heights.iter().sum::<u32>();
    for &s in order.iter().take(short as usize) {
        heights[s] += 1;
    }
    heights
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::Timing;
    use crate::trace::{Span, Track};

    fn span(state: State, start_ns: u64, end_ns: u64) -> Span {
        Span {
            state,
            start_ns,
            end_ns,
        }
    }

    #[test]
    fn a_timeline_has_a_lane_per_worker_and_a_legend() {
        let capture = Capture {
            label: "workers = 2".into(),
            covers: crate::trace::Covers::Timed(Timing::from_durations(&[
                std::time::Duration::from_millis(4),
            ])),
            workers: None,
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
                    core_wait: None,
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
    fn the_states_of_a_column_sum_to_the_time_it_covers() {
        // Columns of 10 ns over a lane of 95 ns: a task 3-27 with a lock wait
        // 5-8 inside, overhead 40-41, nothing after 41 (idle).
        let pieces = segments(
            &Track {
                name: "w".into(),
                pid: 1,
                tid: 1,
                spans: vec![
                    span(State::Task, 3, 27),
                    span(State::LockWait, 5, 8),
                    span(State::Overhead, 40, 41),
                ],
                dropped: 0,
                core_wait: None,
            },
            0,
            95,
        );
        let bins = bin(&pieces, 95, 10.0);
        assert_eq!(bins.len(), 10);
        for (c, column) in bins.iter().enumerate() {
            let covered = if c == 9 { 5.0 } else { 10.0 };
            let sum: f64 = column.iter().sum();
            assert!((sum - covered).abs() < 1e-9, "column {c}: {column:?}");
        }
        let (task, lock, ovh, idle) = (
            slot(State::Task),
            slot(State::LockWait),
            slot(State::Overhead),
            slot(State::Idle),
        );
        assert_eq!(
            (bins[0][task], bins[0][lock], bins[0][idle]),
            (4.0, 3.0, 3.0)
        );
        assert_eq!((bins[2][task], bins[2][idle]), (7.0, 3.0));
        assert_eq!((bins[4][ovh], bins[4][idle]), (1.0, 9.0));
    }

    #[test]
    fn a_lane_of_tiny_alternating_spans_shows_both_states_in_proportion() {
        // 1000 pairs: 30 ns of task, then 70 ns of overhead; 100 µs in all,
        // drawn in columns of 1 µs, 10 pairs each. Every column is 30% task
        // and 70% overhead, as the lane was, not a pixel-wide smear of either.
        let spans: Vec<(State, u64, u64)> = (0..1000u64)
            .flat_map(|i| {
                let t = i * 100;
                [(State::Task, t, t + 30), (State::Overhead, t + 30, t + 100)]
            })
            .collect();
        let bins = bin(&spans, 100_000, 1_000.0);
        assert_eq!(bins.len(), 100);
        for column in &bins {
            assert!(
                (column[slot(State::Task)] - 300.0).abs() < 1e-6,
                "{column:?}"
            );
            assert!((column[slot(State::Overhead)] - 700.0).abs() < 1e-6);
            assert!(column[slot(State::Idle)].abs() < 1e-6);
        }
        // Stacked in a lane of 27 px: 8 task, 19 overhead, in every column.
        let stack = stack_heights(&bins[0], 27);
        assert_eq!(stack[slot(State::Task)] + stack[slot(State::Overhead)], 27);
        assert_eq!(stack[slot(State::Task)], 8);
    }

    #[test]
    fn a_long_span_is_one_solid_bar() {
        let capture = Capture {
            label: "one".into(),
            covers: crate::trace::Covers::Timed(Timing::from_durations(&[
                std::time::Duration::from_millis(10),
            ])),
            workers: None,
            start_ns: 0,
            end_ns: 10_000_000,
            tracks: vec![Track {
                name: "pool-worker-0".into(),
                pid: 1,
                tid: 1,
                spans: vec![span(State::Task, 0, 10_000_000)],
                dropped: 0,
                core_wait: None,
            }],
        };
        let svg = timeline_svg("t", &[("one".into(), &capture)]).unwrap();
        let (r, g, b) = State::Task.colour();
        let fill = format!("fill=\"#{r:02X}{g:02X}{b:02X}\"");
        // One band of four corners: a rectangle over the idle lane.
        let bands: Vec<&str> = svg
            .lines()
            .filter(|l| l.contains("<polygon") && l.contains(&fill))
            .collect();
        assert_eq!(bands.len(), 1, "{svg}");
        let points = bands[0].split("points=\"").nth(1).unwrap();
        let corners = points.split('"').next().unwrap().split_whitespace().count();
        assert_eq!(corners, 4, "{}", bands[0]);
    }
}
