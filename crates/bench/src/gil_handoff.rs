//! `gil-handoff`: how long a thread waits for the interpreter lock held by a
//! CPU-bound thread, beyond the switch interval it must wait by design, beside
//! the time a plain condition variable takes to wake a thread.

use lab::{Ctx, Report, Typed, at_least};
use runtime::gil::Interpreter;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

lab::params! {
    /// One CPU-bound holder, one thread asking for the lock again and again.
    pub struct Params {
        /// Times the waiting thread asks for the lock.
        pub handoffs: u64 = 200 => at_least(10),
        /// The interpreter's switch interval in µs (CPython's default is 5000).
        pub switch_interval_us: u64 = 1_000 => at_least(10),
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::kind::<Params>(
        "gil-handoff",
        "Time to get the interpreter lock from a CPU-bound holder, beyond the switch interval, against a condvar wake-up.",
        run,
    )
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    for point in points {
        let p = &point.params;
        let interval = Duration::from_micros(p.switch_interval_us);
        let interp = Interpreter::new();
        interp.set_switch_interval(interval);
        let stop = AtomicBool::new(false);

        ctx.status("lock handoffs");
        let started = Instant::now();
        let waits: Vec<f64> = std::thread::scope(|s| {
            s.spawn(|| {
                // The holder: CPU-bound steps until told to stop.
                interp.with_gil(|py| {
                    let mut x = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        x = py.step(|| std::hint::black_box(x.wrapping_mul(31).wrapping_add(7)));
                    }
                })
            });
            std::thread::sleep(Duration::from_millis(5));
            let waits = (0..p.handoffs)
                .map(|_| {
                    let t0 = Instant::now();
                    interp.with_gil(|_py| ());
                    let waited = t0.elapsed().as_secs_f64();
                    std::thread::sleep(Duration::from_micros(200));
                    waited
                })
                .collect();
            stop.store(true, Ordering::Relaxed);
            waits
        });
        let wall = started.elapsed();
        let beyond_us = (median(waits) - interval.as_secs_f64()).max(0.0) * 1e6;

        // Baseline: a condition variable waking a sleeping thread.
        let pair = Arc::new((Mutex::new(0u64), Condvar::new()));
        let wakes: Vec<f64> = std::thread::scope(|s| {
            let (lock, cv) = &*pair;
            let (tx, rx) = std::sync::mpsc::channel::<f64>();
            s.spawn(move || {
                let mut seen = 0;
                loop {
                    let mut n = lock.lock().unwrap();
                    while *n == seen {
                        n = cv.wait(n).unwrap();
                    }
                    seen = *n;
                    if seen == u64::MAX {
                        return;
                    }
                    let _ = tx.send(seen as f64);
                }
            });
            (0..p.handoffs)
                .map(|i| {
                    std::thread::sleep(Duration::from_micros(200));
                    let t0 = Instant::now();
                    *lock.lock().unwrap() = i + 1;
                    cv.notify_one();
                    let _ = rx.recv();
                    let woke = t0.elapsed().as_secs_f64() * 1e6;
                    if i + 1 == p.handoffs {
                        *lock.lock().unwrap() = u64::MAX;
                        cv.notify_one();
                    }
                    woke
                })
                .collect()
        });
        let wake_us = median(wakes);
        let stats = interp.stats();
        report.push(
            point
                .row()
                .param("switch_interval_us", p.switch_interval_us)
                .param("baseline", "condvar wake-up")
                .measured("handoff_beyond_interval_us", crate::round(beyond_us, 1))
                .measured("baseline_wake_us", crate::round(wake_us, 1))
                .measured("ratio_to_baseline", crate::ratio(beyond_us, wake_us))
                .measured("switches", stats.switches)
                .measured("wall_s", crate::round(wall.as_secs_f64(), 3)),
        );
    }
    report.note("the waiter must wait one switch interval before it may ask the holder to drop the lock; what is left is the handoff itself");
    Ok(report)
}
