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


def bare_fifo_seconds(n: int, servers: int, rho: float = 0.83, repeat: int = 3) -> float:
    """CPU seconds of the tightest compiled FIFO ``servers``-server loop over ``n`` customers.

    The Kiefer-Wolfowitz recursion alone (start = max(arrival, earliest free handler); the handler
    is free again at start + service), with the engine's handler heap: no time-outs, retries,
    statistics or outputs beyond one checksum. A floor for any model that serves ``n`` customers
    of one shared queue one by one. Best of ``repeat`` runs (compiled first).
    """
    from numba import njit

    from sakera_toolkit.sim.kernel import _replace_min

    @njit(cache=False)
    def loop(arrivals, service, c):
        free = np.zeros(c)
        total = 0.0
        for i in range(arrivals.shape[0]):
            a = arrivals[i]
            s = a if a > free[0] else free[0]
            e = s + service[i]
            _replace_min(free, c, e)
            total += s - a
        return total

    arrivals, service = mmc_inputs(n, servers, rho)
    loop(arrivals[:100], service[:100], servers)
    best = np.inf
    for _ in range(repeat):
        c0 = time.process_time()
        loop(arrivals, service, servers)
        best = min(best, time.process_time() - c0)
    return float(best)
