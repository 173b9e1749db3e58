"""Lesson 01 in real Python: CPU-bound and sleeping tasks on threading.Thread.

The driver (`cargo xtask run lesson-01`) runs this script beside the GIL
analogue's rows. By hand:

    python3 lessons/lesson-01-gil/python/threads.py \
        '{"mode": "cpu", "points": [{"workers": 2, "tasks": 8, "steps_per_task": 100000}]}'

One *step* is one update of a 64-bit linear congruential generator in pure
Python (`x = (x * A + C) & MASK`, about ten bytecodes). A task is a chain of
steps seeded by its index; the checksum (the sum of every task's result, mod
2**64) is the same for any number of threads, so every row did the same work.

mode "cpu": the tasks are split into contiguous chunks, one per thread (the
calling thread alone when workers is 1), as the Rust rows split them.
mode "io": each task runs its steps, then waits io_ms: with time.sleep, which
releases the GIL, or (release_lock false) with libc's usleep called through
ctypes.PyDLL, which keeps the GIL held through the call, as a C extension that
forgets Py_BEGIN_ALLOW_THREADS does.

The points are timed in turns (one run of each, then the next round). Prints
one JSON object: per point the wall time of each timed run (the work only: no
interpreter start-up) and the CPU time all its threads used in it
(time.process_time()), the checksum, and at the end whether the GIL
was enabled (sys._is_gil_enabled(), Python 3.13+; True where it does not exist).
"""

import json
import sys
import threading
import time

MASK = (1 << 64) - 1
A = 6364136223846793005
C = 1442695040888963407


def task(seed, steps):
    x = seed
    for _ in range(steps):
        x = (x * A + C) & MASK
    return x


def chunk(total, parts, index):
    """Task indices of part `index` of `parts` contiguous parts (as the Rust rows split them)."""
    base, extra = divmod(total, parts)
    start = index * base + min(index, extra)
    return range(start, start + base + (1 if index < extra else 0))


def waiter(io_ms, release_lock):
    seconds = io_ms / 1000.0
    if release_lock:
        return lambda: time.sleep(seconds)
    import ctypes

    # PyDLL: "the Python GIL is not released during the function call".
    usleep = ctypes.PyDLL(None).usleep
    usleep.argtypes = [ctypes.c_uint]
    micros = int(round(io_ms * 1000))
    return lambda: usleep(micros)


def run_point(point, mode):
    workers = point["workers"]
    tasks = point["tasks"]
    steps = point["steps_per_task"]
    wait = waiter(point.get("io_ms", 0.0), point.get("release_lock", True)) if mode == "io" else None
    sums = [0] * workers

    def worker(w):
        total = 0
        for t in chunk(tasks, workers, w):
            total += task(t, steps)
            if wait is not None:
                wait()
        sums[w] = total

    start = time.perf_counter()
    cpu_start = time.process_time()
    if workers == 1:
        worker(0)
    else:
        threads = [threading.Thread(target=worker, args=(w,)) for w in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    return elapsed, cpu, sum(sums) & MASK


def main(params):
    mode = params.get("mode", "cpu")
    if "switch_interval_us" in params:
        sys.setswitchinterval(params["switch_interval_us"] / 1e6)
    warmup = params.get("warmup", 0)
    repeats = max(1, params.get("repeats", 1))
    points = params["points"]
    times = [[] for _ in points]
    cpu_times = [[] for _ in points]
    sums = [None] * len(points)
    # In turns: one run of every point, then the next round, so a moment when
    # the machine is busy slows every point a little rather than one a lot.
    for run in range(warmup + repeats):
        for i, point in enumerate(points):
            elapsed, cpu, sums[i] = run_point(point, mode)
            if run >= warmup:
                times[i].append(elapsed)
                cpu_times[i].append(cpu)
    rows = [
        {"times_s": t, "cpu_s": u, "checksum": c, "steps": p["tasks"] * p["steps_per_task"]}
        for p, t, u, c in zip(points, times, cpu_times, sums)
    ]
    is_gil_enabled = getattr(sys, "_is_gil_enabled", None)
    return {
        "points": rows,
        "gil_enabled": bool(is_gil_enabled()) if is_gil_enabled else True,
        "switch_interval_s": sys.getswitchinterval(),
    }


if __name__ == "__main__":
    params = json.loads(sys.argv[1]) if len(sys.argv) > 1 else json.load(sys.stdin)
    json.dump(main(params), sys.stdout)
