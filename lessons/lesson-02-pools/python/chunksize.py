"""Lesson 02 in real Python: Pool.map over trivial tasks, chunksize swept.

The driver (`cargo xtask run lesson-02`) runs this script beside the Rust
pools' rows. By hand:

    python3 lessons/lesson-02-pools/python/chunksize.py \
        '{"points": [{"pool": "processes", "workers": 2, "tasks": 10000, "chunksize": 1}]}'

The task is bump(x) = x + 1, so the time per task is what the pool charges to
hand a task out and bring its result back. pool "processes" is
multiprocessing.Pool (every chunk pickled through a pipe to a worker process);
"threads" is multiprocessing.pool.ThreadPool (the same API on threads of this
process). chunksize 0 means Python's default (map's chunksize=None: about four
chunks per worker).

Each pool is started once per (pool, workers) and reused by every chunksize, as
the Rust rows do; its start-up (creating the pool and a first map that reaches
every worker) is reported apart from the timed maps, and so is one task's round
trip (pool.apply, each call waiting for its result).

start_method "" keeps the platform's default (fork on Linux up to Python 3.13,
forkserver from 3.14; spawn on macOS and Windows); "fork", "spawn" or
"forkserver" choose one.
"""

import json
import multiprocessing
import multiprocessing.pool
import sys
import time


def bump(x):
    return x + 1


def start(kind, workers, context):
    began = time.perf_counter()
    if kind == "processes":
        pool = context.Pool(workers)
    else:
        pool = multiprocessing.pool.ThreadPool(workers)
    # Until a task has come back from every worker, the pool is not started yet.
    pool.map(bump, range(workers), chunksize=1)
    return pool, time.perf_counter() - began


def round_trip_us(pool, trips):
    began = time.perf_counter()
    for i in range(trips):
        assert pool.apply(bump, (i,)) == i + 1
    return (time.perf_counter() - began) * 1e6 / trips


def main(params):
    method = params.get("start_method") or None
    context = multiprocessing.get_context(method)
    warmup = params.get("warmup", 0)
    repeats = max(1, params.get("repeats", 1))
    pools = {}
    startup = {}
    trips = {}
    rows = []
    try:
        # Process pools first: forking a process that already runs a thread
        # pool's threads is what Python 3.12+ warns about.
        for point in sorted(params["points"], key=lambda p: p["pool"] != "processes"):
            key = (point["pool"], point["workers"])
            if key not in pools:
                pools[key], seconds = start(point["pool"], point["workers"], context)
                startup[point["pool"]] = seconds * 1e3
                trips[point["pool"]] = round_trip_us(pools[key], point["round_trips"])
        for point in params["points"]:
            pool = pools[(point["pool"], point["workers"])]
            n = point["tasks"]
            chunksize = point["chunksize"] or None
            expected = n * (n + 1) // 2
            times = []
            for run in range(warmup + repeats):
                began = time.perf_counter()
                results = pool.map(bump, range(n), chunksize)
                elapsed = time.perf_counter() - began
                if sum(results) != expected:
                    raise RuntimeError("wrong results at chunksize %s" % point["chunksize"])
                if run >= warmup:
                    times.append(elapsed)
            if chunksize is None:
                # What map picks: len / (4 * workers), rounded up.
                chunksize, extra = divmod(n, point["workers"] * 4)
                chunksize += 1 if extra else 0
            rows.append({"times_s": times, "checksum": expected, "chunks": -(-n // max(1, chunksize))})
    finally:
        for pool in pools.values():
            pool.terminate()
            pool.join()
    return {
        "points": rows,
        "startup_ms": startup,
        "round_trip_us": trips,
        "start_method": context.get_start_method(),
    }


if __name__ == "__main__":
    params = json.loads(sys.argv[1]) if len(sys.argv) > 1 else json.load(sys.stdin)
    json.dump(main(params), sys.stdout)
