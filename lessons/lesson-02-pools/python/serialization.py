"""Lesson 02 in real Python: a NumPy array of float64 to a worker, three ways.

The driver (`cargo xtask run lesson-02`) runs this script beside the Rust
rows. By hand:

    python3 lessons/lesson-02-pools/python/serialization.py \
        '{"points": [{"payload_bytes": 8000000, "echo": false, "workers": 1}]}'

For each payload size, side by side (as the Rust rows do it):

- "process pool": multiprocessing.Pool.apply. The array is pickled in the
  parent, written into a pipe, read and unpickled in the worker: copied
  several times. `bytes` is the pickled payload plus the pickled answer.
- "pickle, no pipe": the same pickling and unpickling in this process, with
  no pipe and no second process: how much of the pool's time is pickle.
- "in-process hand-off": multiprocessing.pool.ThreadPool.apply. Threads share
  memory: the worker gets a reference, no byte is copied.

With echo the worker sends the array back, so it crosses twice. The payload is
np.arange(n) * 0.5 (the Rust payload's values); a worker answers (len, last
value), which proves the whole array arrived.
"""

import json
import multiprocessing
import multiprocessing.pool
import pickle
import sys
import time

import numpy as np
from multiprocessing.reduction import ForkingPickler

PATHS = ["process pool", "pickle, no pipe", "in-process hand-off"]


def receive(payload):
    return (len(payload), float(payload[-1]) if len(payload) else 0.0)


def echo(payload):
    return payload


def main(params):
    warmup = params.get("warmup", 0)
    repeats = max(1, params.get("repeats", 1))
    processes = {}
    threads = {}
    rows = []
    try:
        for point in params["points"]:
            workers = point["workers"]
            if workers not in processes:
                processes[workers] = multiprocessing.Pool(workers)
                threads[workers] = multiprocessing.pool.ThreadPool(workers)
                processes[workers].apply(receive, (np.zeros(1),))
            payload = np.arange(point["payload_bytes"] // 8, dtype=np.float64) * 0.5
            receipt = receive(payload)
            task = echo if point["echo"] else receive
            answer = task(payload)
            # What crosses a pipe: the argument's pickle, and the answer's.
            pipe_bytes = len(ForkingPickler.dumps(payload)) + len(ForkingPickler.dumps(answer))
            paths = []
            for path in PATHS:
                times = []
                for run in range(warmup + repeats):
                    began = time.perf_counter()
                    if path == "process pool":
                        got = processes[workers].apply(task, (payload,))
                    elif path == "pickle, no pipe":
                        got = pickle.loads(ForkingPickler.dumps(payload))
                        if point["echo"]:
                            got = pickle.loads(ForkingPickler.dumps(got))
                    else:
                        got = threads[workers].apply(task, (payload,))
                    elapsed = time.perf_counter() - began
                    if (receive(got) if isinstance(got, np.ndarray) else got) != receipt:
                        raise RuntimeError("%s: the payload arrived damaged" % path)
                    if run >= warmup:
                        times.append(elapsed)
                if path == "process pool":
                    moved = pipe_bytes
                elif path == "pickle, no pipe":
                    moved = len(ForkingPickler.dumps(payload)) * (2 if point["echo"] else 1)
                else:
                    moved = 0
                paths.append({"path": path, "times_s": times, "bytes": moved})
            rows.append(paths)
    finally:
        for pool in list(processes.values()) + list(threads.values()):
            pool.terminate()
            pool.join()
    return {"points": rows, "start_method": multiprocessing.get_start_method()}


if __name__ == "__main__":
    params = json.loads(sys.argv[1]) if len(sys.argv) > 1 else json.load(sys.stdin)
    json.dump(main(params), sys.stdout)
