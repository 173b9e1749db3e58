//! How the process pool's wire format was chosen: postcard, bincode 2 and
//! serde_json, encoding and decoding what tasks send — small arguments and
//! large `Vec<f64>` payloads — in this process, with no pipe involved.
//!
//! ```text
//! cargo run --release -p runtime --example process_wire_formats
//! ```
//!
//! Each figure is the median of several timed runs; buffers are reused between
//! runs, as the pool reuses them.

use std::hint::black_box;
use std::time::Instant;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Point {
    id: u64,
    x: f64,
    label: String,
}

/// Median seconds per call of `f` over `runs` timed runs of `inner` calls each.
fn time(runs: usize, inner: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut samples: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..inner {
                f();
            }
            t.elapsed().as_secs_f64() / inner as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

struct Row {
    format: &'static str,
    bytes: usize,
    encode_s: f64,
    decode_s: f64,
}

fn measure<T>(value: &T, inner: usize) -> Vec<Row>
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let runs = 7;
    let mut rows = Vec::new();

    let mut buf: Vec<u8> = postcard::to_allocvec(value).expect("postcard encodes");
    let mut out = vec![0_u8; buf.len()];
    let encode_s = time(runs, inner, || {
        black_box(postcard::to_slice(value, &mut out).expect("postcard encodes"));
    });
    assert_eq!(
        &postcard::from_bytes::<T>(&buf).expect("postcard decodes"),
        value
    );
    let decode_s = time(runs, inner, || {
        black_box(postcard::from_bytes::<T>(&buf).expect("postcard decodes"));
    });
    rows.push(Row {
        format: "postcard 1",
        bytes: buf.len(),
        encode_s,
        decode_s,
    });

    let config = bincode::config::standard();
    let encode_s = time(runs, inner, || {
        buf.clear();
        bincode::serde::encode_into_std_write(value, &mut buf, config).expect("bincode encodes");
        black_box(&buf);
    });
    let decode_s = time(runs, inner, || {
        let (v, _): (T, usize) =
            bincode::serde::decode_from_slice(&buf, config).expect("bincode decodes");
        black_box(v);
    });
    rows.push(Row {
        format: "bincode 2",
        bytes: buf.len(),
        encode_s,
        decode_s,
    });

    let inner_json = inner.div_ceil(10);
    let encode_s = time(runs, inner_json, || {
        buf.clear();
        serde_json::to_writer(&mut buf, value).expect("json encodes");
        black_box(&buf);
    });
    let decode_s = time(runs, inner_json, || {
        black_box(serde_json::from_slice::<T>(&buf).expect("json decodes"));
    });
    rows.push(Row {
        format: "serde_json 1",
        bytes: buf.len(),
        encode_s,
        decode_s,
    });
    rows
}

fn print_small(label: &str, rows: &[Row]) {
    for r in rows {
        println!(
            "{label:<22} {:<13} {:>10} {:>12.0} {:>12.0}",
            r.format,
            r.bytes,
            r.encode_s * 1e9,
            r.decode_s * 1e9
        );
    }
}

fn print_large(label: &str, payload: usize, rows: &[Row]) {
    for r in rows {
        println!(
            "{label:<22} {:<13} {:>10} {:>12.0} {:>12.0}",
            r.format,
            r.bytes,
            payload as f64 / r.encode_s / 1e6,
            payload as f64 / r.decode_s / 1e6
        );
    }
}

fn main() {
    println!("small arguments (ns per value):");
    println!(
        "{:<22} {:<13} {:>10} {:>12} {:>12}",
        "value", "format", "bytes", "encode ns", "decode ns"
    );
    print_small("u64", &measure(&123_456_789_u64, 100_000));
    print_small("(u64, f64)", &measure(&(7_u64, 2.5_f64), 100_000));
    let point = Point {
        id: 42,
        x: 1.5,
        label: "hello world".into(),
    };
    print_small("struct {u64,f64,str}", &measure(&point, 100_000));

    println!("\nlarge Vec<f64> payloads (MB/s; MB = 10^6 bytes of f64s):");
    println!(
        "{:<22} {:<13} {:>10} {:>12} {:>12}",
        "payload", "format", "bytes", "encode MB/s", "decode MB/s"
    );
    for mb in [1_usize, 10] {
        let v: Vec<f64> = (0..mb * 125_000).map(|i| (i as f64).sqrt()).collect();
        print_large(
            &format!("Vec<f64> {mb} MB"),
            mb * 1_000_000,
            &measure(&v, if mb == 1 { 20 } else { 3 }),
        );
    }
}
