//! What `runtime::rng` costs: draws per second from one stream, and the time to
//! reach a stream by jumping.
//!
//! Run with `cargo run --release -p runtime --example rng_speed`. Each figure is
//! the best of five rounds, so a busy machine shows as spread, not as a slower
//! best.

use std::hint::black_box;
use std::time::Instant;

use rand::RngExt;
use runtime::rng::Streams;

const ROUNDS: usize = 5;

/// Best-of-`ROUNDS` nanoseconds per operation of `op`, which does `n` operations.
fn best_ns(n: u64, mut op: impl FnMut() -> f64) -> (f64, f64) {
    let mut best = f64::INFINITY;
    let mut worst: f64 = 0.0;
    for _ in 0..ROUNDS {
        let start = Instant::now();
        black_box(op());
        let ns = start.elapsed().as_nanos() as f64 / n as f64;
        best = best.min(ns);
        worst = worst.max(ns);
    }
    (best, worst)
}

fn main() {
    let streams = Streams::new(42);

    let draws = 200_000_000_u64;
    let (ns, worst) = best_ns(draws, || {
        let mut rng = streams.stream(0);
        let mut sum = 0.0;
        for _ in 0..draws {
            sum += rng.random::<f64>();
        }
        sum
    });
    println!(
        "random::<f64>()   {ns:6.3} ns/draw  ({:.0} million draws/s; worst round {worst:.3} ns)",
        1e3 / ns
    );

    let (ns, worst) = best_ns(draws, || {
        let mut rng = streams.stream(0);
        let mut hits = 0_u64;
        for _ in 0..draws / 2 {
            let (x, y): (f64, f64) = (rng.random(), rng.random());
            hits += u64::from(x * x + y * y <= 1.0);
        }
        hits as f64
    });
    println!(
        "pi sample (2 f64) {:6.3} ns/sample ({:.0} million samples/s; worst round {:.3} ns)",
        2.0 * ns,
        1e3 / (2.0 * ns),
        2.0 * worst
    );

    let jumps = 100_000_u64;
    let (ns, worst) = best_ns(jumps, || {
        let mut rng = streams.stream(0);
        for _ in 0..jumps {
            rng.jump();
        }
        rng.random::<f64>()
    });
    println!("jump()            {ns:8.1} ns/jump   (worst round {worst:.1} ns)");

    let (ns, worst) = best_ns(jumps, || {
        let mut rng = streams.stream(0);
        for _ in 0..jumps {
            rng.long_jump();
        }
        rng.random::<f64>()
    });
    println!("long_jump()       {ns:8.1} ns/jump   (worst round {worst:.1} ns)");

    for i in [1_u64, 1_000, u64::MAX] {
        let calls = 20_000_u64;
        let (ns, worst) = best_ns(calls, || {
            let mut sum = 0.0;
            for _ in 0..calls {
                sum += black_box(&streams).stream(black_box(i)).random::<f64>();
            }
            sum
        });
        println!("stream({i:>20}) {ns:8.1} ns/call   (worst round {worst:.1} ns)");
    }

    // rand_xoshiro's own arbitrary jump, which builds its polynomial at run time.
    let calls = 20_u64;
    let (ns, worst) = best_ns(calls, || {
        let mut rng = streams.stream(0);
        for _ in 0..calls {
            rng.jump_ce(black_box(1_000), 128);
        }
        rng.random::<f64>()
    });
    println!("jump_ce(1000, 128) {ns:7.1} ns/call   (worst round {worst:.1} ns)");

    let n = 1_000_usize;
    let (ns, worst) = best_ns(n as u64, || streams.spawn(n).len() as f64);
    println!("spawn({n})       {ns:8.1} ns/stream (worst round {worst:.1} ns)");

    let (ns, worst) = best_ns(100, || {
        let mut sum = 0.0;
        for k in 0..100 {
            sum += streams.child(k).stream(0).random::<f64>();
        }
        sum
    });
    println!("child(k)          {ns:8.1} ns/call   (worst round {worst:.1} ns)");
}
