"""Lesson 04 in real Python: joblib.Parallel on its loky and threading backends.

The driver (`cargo xtask run lesson-04`) runs this script beside the Rust
backends' rows. By hand:

    python3 lessons/lesson-04-parallel-loops/python/backends.py \
        '{"points": [{"backend": "loky", "workers": 2, "tasks": 4000, "rounds_per_task": 150, "batch_size": "auto"}]}'

The loop is the Rust rows' loop: Parallel(n_jobs=workers, backend=...)(
delayed(spin)(i, rounds) for i in range(tasks)), where spin runs `rounds`
rounds of the SplitMix64 mixer in pure Python (the Rust rows' very function,
with & MASK for 64-bit wrap-around). The checksum is the sum of the results
mod 2**64, the same for every backend and worker count.

"loky" runs the tasks in worker processes (joblib's default backend); its
workers are started by the first call and then reused, so that start-up is
measured apart from the timed runs. "threading" runs them on threads of this
process, under the GIL. With n_jobs=1 joblib runs the loop in this process.

Also shown: a lambda crosses to loky's worker processes, because loky pickles
callables with cloudpickle; multiprocessing.Pool pickles with the standard
pickle, which refuses it.
"""

import json
import multiprocessing
import re
import sys
import time

from joblib import Parallel, delayed

MASK = (1 << 64) - 1


def spin(item, rounds):
    x = item
    for _ in range(rounds):
        z = (x + 0x9E3779B97F4A7C15) & MASK
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        x = z ^ (z >> 31)
    return x


def run_loop(backend, workers, tasks, rounds, batch_size):
    results = Parallel(n_jobs=workers, backend=backend, batch_size=batch_size)(
        delayed(spin)(i, rounds) for i in range(tasks)
    )
    return sum(results) & MASK


def lambdas(rounds):
    """A lambda through loky (works), and through multiprocessing.Pool (refused)."""
    expected = sum(spin(i, rounds) for i in range(4)) & MASK
    got = sum(Parallel(n_jobs=2, backend="loky")(delayed(lambda i: spin(i, rounds))(i) for i in range(4))) & MASK
    try:
        with multiprocessing.Pool(1) as pool:
            pool.map(lambda i: i, [1])
        pool_says = "accepted"
    except Exception as e:  # PicklingError or AttributeError, by version
        pool_says = re.sub(r" at 0x[0-9a-f]+", "", "%s: %s" % (type(e).__name__, e))
    return got == expected, pool_says


def main(params):
    warmup = params.get("warmup", 0)
    repeats = max(1, params.get("repeats", 1))
    startup = {}
    rows = []
    for point in params["points"]:
        backend, workers = point["backend"], point["workers"]
        batch_size = point.get("batch_size", "auto")
        if backend not in startup and workers > 1:
            began = time.perf_counter()
            Parallel(n_jobs=workers, backend=backend)(delayed(spin)(i, 1) for i in range(workers))
            startup[backend] = (time.perf_counter() - began) * 1e3
        times = []
        checksum = None
        for run in range(warmup + repeats):
            began = time.perf_counter()
            checksum = run_loop(backend, workers, point["tasks"], point["rounds_per_task"], batch_size)
            elapsed = time.perf_counter() - began
            if run >= warmup:
                times.append(elapsed)
        rows.append({"times_s": times, "checksum": checksum})
    lambda_ok, pool_says = lambdas(params["points"][0]["rounds_per_task"] if params["points"] else 1)
    return {
        "points": rows,
        "startup_ms": startup,
        "lambda_through_loky": lambda_ok,
        "lambda_through_pool": pool_says,
    }


if __name__ == "__main__":
    params = json.loads(sys.argv[1]) if len(sys.argv) > 1 else json.load(sys.stdin)
    json.dump(main(params), sys.stdout)
