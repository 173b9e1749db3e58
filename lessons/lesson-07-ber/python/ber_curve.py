"""Lesson 07 in real Python: the BER curve of BPSK over AWGN with NumPy,
one ProcessPoolExecutor task per SNR point, collected with as_completed.

The driver (`cargo xtask run lesson-07`) runs this script beside the Rust rows.
By hand:

    python3 lessons/lesson-07-ber/python/ber_curve.py \
        '{"ebn0_db": [0, 2, 4, 6], "bits_per_point": 2000000, "chunk_bits": 100000,
          "stop_after_errors": 1000, "seed": 2024, "workers": 2}'

A bit's trip, as in the Rust rows: bit b becomes the symbol 1 - 2b (Eb = 1),
the channel adds Gaussian noise of variance N0/2 with N0 = 1 / (Eb/N0), the
receiver decides 1 when the received value is below 0, and an error is a
decision that differs from b. Theory: 0.5 * erfc(sqrt(Eb/N0)).

Reproducible for any number of workers: the point at ebn0_db draws from the
stream family SeedSequence(seed, spawn_key=(k,)) with k its SNR in hundredths
of a dB above -10 dB (child k of SeedSequence(seed).spawn), and chunk j of the
point from child j of that family. A point stops after the chunk that brings
its errors to stop_after_errors (checked between chunks, in chunk order), or at
its budget of bits_per_point.

The executor is started (and its workers brought up) before the clock starts;
that start-up is reported apart. The points are submitted costliest first (or
as listed) and collected with as_completed, each with its own compute time.
"""

import json
import math
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed

import numpy as np

BLOCK = 1 << 20
MIN_EBN0_DB = -10.0


def family_index(ebn0_db):
    return max(0, int(round((ebn0_db - MIN_EBN0_DB) * 100.0)))


def count_errors(rng, bits, sigma):
    errors = 0
    left = bits
    while left > 0:
        m = min(left, BLOCK)
        b = rng.integers(0, 2, size=m, dtype=np.int8)
        received = (1.0 - 2.0 * b) + sigma * rng.standard_normal(m)
        errors += int(np.count_nonzero((received < 0.0) != (b == 1)))
        left -= m
    return errors


def simulate_point(ebn0_db, plan):
    began = time.perf_counter()
    sigma = math.sqrt(1.0 / (2.0 * 10.0 ** (ebn0_db / 10.0)))
    k = family_index(ebn0_db)
    bits = errors = chunks = 0
    ended = "bits"
    j = 0
    while bits < plan["bits_per_point"]:
        n = min(plan["chunk_bits"], plan["bits_per_point"] - bits)
        rng = np.random.default_rng(np.random.SeedSequence(plan["seed"], spawn_key=(k, j)))
        errors += count_errors(rng, n, sigma)
        bits += n
        chunks += 1
        j += 1
        if plan["stop_after_errors"] and errors >= plan["stop_after_errors"]:
            ended = "errors"
            break
    return {
        "ebn0_db": ebn0_db,
        "bits": bits,
        "errors": errors,
        "chunks": chunks,
        "ended_by": ended,
        "point_s": time.perf_counter() - began,
    }


def theory(ebn0_db):
    return 0.5 * math.erfc(math.sqrt(10.0 ** (ebn0_db / 10.0)))


def expected_bits(ebn0_db, plan):
    if not plan["stop_after_errors"]:
        return plan["bits_per_point"]
    needed = plan["stop_after_errors"] / max(theory(ebn0_db), 1e-300)
    chunks = max(1.0, math.ceil(needed / plan["chunk_bits"]))
    return min(chunks * plan["chunk_bits"], plan["bits_per_point"])


def main(plan):
    snrs = plan["ebn0_db"]
    order = list(range(len(snrs)))
    if plan.get("order", "costliest-first") == "costliest-first":
        order.sort(key=lambda i: -expected_bits(snrs[i], plan))
    began = time.perf_counter()
    with ProcessPoolExecutor(max_workers=plan["workers"]) as ex:
        list(ex.map(family_index, [0.0] * plan["workers"]))
        startup = time.perf_counter() - began
        began = time.perf_counter()
        futures = {ex.submit(simulate_point, snrs[i], plan): i for i in order}
        points = [None] * len(snrs)
        for done, f in enumerate(as_completed(futures)):
            point = f.result()
            point["done_order"] = done + 1
            points[futures[f]] = point
        wall = time.perf_counter() - began
    return {"points": points, "curve_s": wall, "startup_ms": startup * 1e3}


if __name__ == "__main__":
    params = json.loads(sys.argv[1]) if len(sys.argv) > 1 else json.load(sys.stdin)
    json.dump(main(params), sys.stdout)
