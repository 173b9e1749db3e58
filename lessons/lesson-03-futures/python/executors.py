"""Lesson 03 in real Python: concurrent.futures executors and as_completed.

The driver (`cargo xtask run lesson-03`) runs this script beside the Rust
executors' rows. By hand:

    python3 lessons/lesson-03-futures/python/executors.py \
        '{"mode": "submit", "points": [{"executor": "processes", "workers": 2, "tasks": 2000}]}'

mode "cpu" (the cpu-executors rows): `tasks` CPU-bound tasks of
`steps_per_task` steps each (one step: one pure-Python 64-bit LCG update),
submitted to a ThreadPoolExecutor or a ProcessPoolExecutor and collected with
as_completed. As in the Rust rows, each timed run includes starting and shutting
down the executor (`with ProcessPoolExecutor(...) as ex:`), and the rows are
measured in turns (one run of every point, then the next round).

mode "submit" (the submit-overhead rows): trivial tasks (each returns its
argument), all submitted, then collected with as_completed and f.result(): the
time per task is what submit + result cost. The executor is started once per
point, apart from the timed runs; its start-up (creating it and a first result
back) is reported separately.

executor "processes" uses the platform's default start method (fork on Linux
up to Python 3.13, forkserver from 3.14, spawn on macOS and Windows).
"""

import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed

MASK = (1 << 64) - 1
A = 6364136223846793005
C = 1442695040888963407


def lock_bound(seed, steps):
    x = seed
    for _ in range(steps):
        x = (x * A + C) & MASK
    return x


def identity(x):
    return x


def executor_class(name):
    return ProcessPoolExecutor if name == "processes" else ThreadPoolExecutor


def cpu(params):
    points = params["points"]
    warmup = params.get("warmup", 0)
    repeats = max(1, params.get("repeats", 1))
    times = [[] for _ in points]
    sums = [0] * len(points)
    for round_ in range(warmup + repeats):
        for i, p in enumerate(points):
            began = time.perf_counter()
            with executor_class(p["executor"])(max_workers=p["workers"]) as ex:
                futures = [ex.submit(lock_bound, t, p["steps_per_task"]) for t in range(p["tasks"])]
                total = 0
                for f in as_completed(futures):
                    total += f.result()
            elapsed = time.perf_counter() - began
            sums[i] = total & MASK
            if round_ >= warmup:
                times[i].append(elapsed)
    return {"points": [{"times_s": t, "checksum": s} for t, s in zip(times, sums)]}


def submit(params):
    warmup = params.get("warmup", 0)
    repeats = max(1, params.get("repeats", 1))
    rows = []
    for p in params["points"]:
        began = time.perf_counter()
        ex = executor_class(p["executor"])(max_workers=p["workers"])
        # Every worker up: as many first results as workers, at once.
        list(ex.map(identity, range(p["workers"])))
        startup = time.perf_counter() - began
        n = p["tasks"]
        times = []
        try:
            for run in range(warmup + repeats):
                began = time.perf_counter()
                futures = [ex.submit(identity, i) for i in range(n)]
                total = 0
                for f in as_completed(futures):
                    total += f.result()
                elapsed = time.perf_counter() - began
                if total != n * (n - 1) // 2:
                    raise RuntimeError("a task was lost or ran twice")
                if run >= warmup:
                    times.append(elapsed)
        finally:
            ex.shutdown(wait=True)
        rows.append({"times_s": times, "checksum": n * (n - 1) // 2, "startup_ms": startup * 1e3})
    return {"points": rows}


if __name__ == "__main__":
    params = json.loads(sys.argv[1]) if len(sys.argv) > 1 else json.load(sys.stdin)
    out = cpu(params) if params.get("mode", "cpu") == "cpu" else submit(params)
    json.dump(out, sys.stdout)
