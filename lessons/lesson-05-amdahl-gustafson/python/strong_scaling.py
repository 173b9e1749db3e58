"""Lesson 05 in real Python: strong scaling with a known serial fraction.

The driver (`cargo xtask run lesson-05`) runs this script beside the Rust rows.
By hand:

    python3 lessons/lesson-05-amdahl-gustafson/python/strong_scaling.py \
        '{"points": [{"workers": 1, "work_units": 200000, "serial_fraction": 0.1}, {"workers": 2, "work_units": 200000, "serial_fraction": 0.1}]}'

A unit of work is the Rust rows' unit: four rounds of the SplitMix64 mixer on
the unit's index (pure Python here, & MASK for 64-bit wrap-around). Units
0..serial run in this process; then the rest are split into `workers`
contiguous ranges, one per worker process of a multiprocessing.Pool (threads
would take turns at the GIL). With one worker everything runs in this process,
as the Rust rows run it on the calling thread. The checksum (the sum of every
unit's result mod 2**64) is the Rust rows' checksum for the same work_units.

Each worker count's pool is started before the timed runs; that start-up is
reported apart from them. The points are timed in turns (one run of each, then
the next round).
"""

import json
import multiprocessing
import sys
import time

MASK = (1 << 64) - 1


def unit(i):
    x = i
    for _ in range(4):
        x = (x + 0x9E3779B97F4A7C15) & MASK
        z = x
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        x = z ^ (z >> 31)
    return x


def units(bounds):
    start, end = bounds
    total = 0
    for i in range(start, end):
        total += unit(i)
    return total & MASK


def chunk(total, parts, index):
    base, extra = divmod(total, parts)
    start = index * base + min(index, extra)
    return start, start + base + (1 if index < extra else 0)


def serial_then_parallel(pool, serial, total, workers):
    head = units((0, serial))
    parallel = total - serial
    ranges = []
    for w in range(workers):
        start, end = chunk(parallel, workers, w)
        ranges.append((serial + start, serial + end))
    if pool is None:
        tails = [units(r) for r in ranges]
    else:
        tails = pool.map(units, ranges, chunksize=1)
    return (head + sum(tails)) & MASK


def main(params):
    warmup = params.get("warmup", 0)
    repeats = max(1, params.get("repeats", 1))
    points = params["points"]
    pools = {}
    startup = {}
    try:
        for point in points:
            workers = point["workers"]
            if workers > 1 and workers not in pools:
                began = time.perf_counter()
                pools[workers] = multiprocessing.Pool(workers)
                pools[workers].map(units, [(0, 1)] * workers, chunksize=1)
                startup[str(workers)] = (time.perf_counter() - began) * 1e3
        times = [[] for _ in points]
        sums = [None] * len(points)
        # In turns: one run of every point, then the next round, so a busy
        # moment on the machine slows every point a little, not one a lot.
        for run in range(warmup + repeats):
            for i, point in enumerate(points):
                total = point["work_units"]
                serial = int(round(total * point["serial_fraction"]))
                began = time.perf_counter()
                sums[i] = serial_then_parallel(pools.get(point["workers"]), serial, total, point["workers"])
                elapsed = time.perf_counter() - began
                if run >= warmup:
                    times[i].append(elapsed)
    finally:
        for pool in pools.values():
            pool.terminate()
            pool.join()
    rows = [{"times_s": t, "checksum": c} for t, c in zip(times, sums)]
    return {"points": rows, "startup_ms": startup, "start_method": multiprocessing.get_start_method()}


if __name__ == "__main__":
    params = json.loads(sys.argv[1]) if len(sys.argv) > 1 else json.load(sys.stdin)
    json.dump(main(params), sys.stdout)
