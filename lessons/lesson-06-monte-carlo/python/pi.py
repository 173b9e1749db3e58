"""Lesson 06 in real Python: Monte Carlo pi with NumPy, one stream per chunk.

The driver (`cargo xtask run lesson-06`) runs this script beside the Rust rows.
By hand:

    python3 lessons/lesson-06-monte-carlo/python/pi.py \
        '{"points": [{"workers": 2, "samples": 10000000, "chunks": 64, "seed": 2024}]}'

The points are split into `chunks` fixed chunks (chunk j gets
samples*(j+1)//chunks - samples*j//chunks of them), and chunk j draws from child
j of SeedSequence(seed).spawn(chunks), through NumPy's default bit generator
(PCG64). Which worker runs a chunk does not matter, so `hits` and the estimate
are the same for any number of workers: the chapter's example, made
reproducible (the chapter seeds worker i with 42 + i, so its estimate depends
on the worker count).

A point is two float64 draws in [0, 1) (rng.random), consecutive in the
stream, and is inside when x*x + y*y <= 1. A chunk is drawn in blocks of at
most 2**20 points to bound memory; the points are the same for any block size.

Workers are processes of a multiprocessing.Pool (imap_unordered, one chunk per
task), started before the timed runs (start-up reported apart); with one worker
the chunks run in this process. The points are timed in turns (one run of each,
then the next round).
"""

import json
import multiprocessing
import sys
import time

import numpy as np

BLOCK = 1 << 20


def count_hits(job):
    child, n = job
    rng = np.random.default_rng(child)
    hits = 0
    left = n
    while left > 0:
        m = min(left, BLOCK)
        xy = rng.random((m, 2))
        x = xy[:, 0]
        y = xy[:, 1]
        hits += int(np.count_nonzero(x * x + y * y <= 1.0))
        left -= m
    return hits


def jobs(samples, chunks, seed):
    children = np.random.SeedSequence(seed).spawn(chunks)
    return [(children[j], samples * (j + 1) // chunks - samples * j // chunks) for j in range(chunks)]


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
                pools[workers].map(count_hits, [(np.random.SeedSequence(0), 1)] * workers, chunksize=1)
                startup[str(workers)] = (time.perf_counter() - began) * 1e3
        work = [jobs(p["samples"], p["chunks"], p["seed"]) for p in points]
        times = [[] for _ in points]
        hits = [None] * len(points)
        # In turns: one run of every point, then the next round, so a busy
        # moment on the machine slows every point a little, not one a lot.
        for run in range(warmup + repeats):
            for i, point in enumerate(points):
                pool = pools.get(point["workers"])
                began = time.perf_counter()
                if pool is None:
                    hits[i] = sum(count_hits(job) for job in work[i])
                else:
                    hits[i] = sum(pool.imap_unordered(count_hits, work[i], chunksize=1))
                elapsed = time.perf_counter() - began
                if run >= warmup:
                    times[i].append(elapsed)
    finally:
        for pool in pools.values():
            pool.terminate()
            pool.join()
    rows = [{"times_s": t, "hits": h, "samples": p["samples"]} for p, t, h in zip(points, times, hits)]
    return {
        "points": rows,
        "startup_ms": startup,
        "numpy": np.__version__,
        "bit_generator": np.random.default_rng(0).bit_generator.__class__.__name__,
    }


if __name__ == "__main__":
    params = json.loads(sys.argv[1]) if len(sys.argv) > 1 else json.load(sys.stdin)
    json.dump(main(params), sys.stdout)
