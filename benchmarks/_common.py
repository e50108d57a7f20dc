"""Helpers shared by the benchmark scripts (timing, memory, the SimPy reference model)."""

from __future__ import annotations

import resource
import time
import tracemalloc

import numpy as np


def simpy_fifo_starts(arrivals: np.ndarray, service: np.ndarray, servers: int) -> np.ndarray:
    """Reference: a plain SimPy model (Resource with ``servers`` capacity) fed the same arrays."""
    import simpy

    env = simpy.Environment()
    res = simpy.Resource(env, capacity=servers)
    starts = np.empty(len(arrivals))
    arr = arrivals.tolist()
    svc = service.tolist()

    def customer(i):
        with res.request() as req:
            yield req
            starts[i] = env.now
            yield env.timeout(svc[i])

    def source():
        for i, a in enumerate(arr):
            yield env.timeout(a - env.now)
            env.process(customer(i))

    env.process(source())
    env.run()
    return starts


def mmc_inputs(n: int, servers: int, rho: float, seed: int = 1):
    """Sorted Poisson arrivals and exponential services of an M/M/c queue at load ``rho``."""
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(1.0 / (rho * servers), n))
    service = rng.exponential(1.0, n)
    return arrivals, service


def timed(fn, repeat: int = 1):
    """(median wall seconds, median CPU seconds, last result) over ``repeat`` calls."""
    walls, cpus, out = [], [], None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return float(np.median(walls)), float(np.median(cpus)), out


def peak_traced_mb(fn) -> float:
    """Peak memory traced by tracemalloc (numpy buffers included) while ``fn`` runs, in MB."""
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def max_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
