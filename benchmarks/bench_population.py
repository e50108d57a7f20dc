"""Generate the whole registered population of Sampang and report speed and memory.

Run:  .venv/bin/python benchmarks/bench_population.py [--seed 42] [--reference-persons 10000]

Prints persons per second and peak memory for the vectorised generator
(``sakera_toolkit.people.synthetic.generate_population``) on the 2025 registered population
(1,033,926 persons), and the ratio against a reference run in the same process: a per-person
Python loop that calls Faker for each name and allocates each NIK one by one, timed on a sample and
extrapolated to the full population. Target (issue 2): under 60 s and under 2 GB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import time
import tracemalloc

import numpy as np
import pandas as pd
from faker import Faker

from sakera_toolkit import registry
from sakera_toolkit.people import nik
from sakera_toolkit.people.synthetic import generate_population


def per_person_reference(n: int, seed: int) -> pd.DataFrame:
    """The naive approach: one Faker call per name, one NIK allocation per person, a dict per row."""
    rng = np.random.default_rng(seed)
    fake = Faker("id_ID")
    fake.seed_instance(seed)
    alloc = nik.SequenceAllocator()
    villages = registry.villages()
    codes = villages["village_code"].to_numpy()
    districts = villages["district_code"].to_numpy()
    ref = dt.date(2025, 6, 30)
    rows = []
    for _ in range(n):
        v = int(rng.integers(len(codes)))
        female = bool(rng.random() < 0.5)
        if female:
            name = f"{fake.first_name_female()} {fake.last_name_female()}"
        else:
            name = f"{fake.first_name_male()} {fake.last_name_male()}"
        born = ref - dt.timedelta(days=int(rng.integers(1, 90 * 365)))
        number = alloc.next_nik(districts[v], born, "F" if female else "M")
        rows.append(
            {
                "nik": number,
                "name": name,
                "sex": "F" if female else "M",
                "birth_date": born,
                "village_code": codes[v],
                "address": f"RT {int(rng.integers(1, 20)):03d}/RW {int(rng.integers(1, 8)):03d}",
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--reference-persons", type=int, default=10_000)
    args = parser.parse_args()

    total = int(registry.village_population(2025).sum())

    # Warm-up: imports, packaged CSV/YAML caches, village geography, Faker locale.
    generate_population(["35.27.01.2001"], persons=100, seed=0)

    t0 = time.perf_counter()
    households, persons = generate_population(seed=args.seed)
    elapsed = time.perf_counter() - t0
    assert len(persons) == total
    frame_mb = (persons.memory_usage(deep=True).sum() + households.memory_usage(deep=True).sum()) / 2**20
    del households, persons

    tracemalloc.start()
    generate_population(seed=args.seed)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    t1 = time.perf_counter()
    ref = per_person_reference(args.reference_persons, args.seed)
    ref_elapsed = time.perf_counter() - t1
    assert len(ref) == args.reference_persons
    ref_rate = args.reference_persons / ref_elapsed
    ref_full = total / ref_rate

    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    rate = total / elapsed
    print(f"persons generated            : {total:,}")
    print(f"vectorised generator         : {elapsed:8.2f} s   {rate:12,.0f} persons/s")
    print(
        f"per-person Faker reference   : {ref_elapsed:8.2f} s for {args.reference_persons:,} -> {ref_rate:,.0f} persons/s, "
        f"{ref_full:,.0f} s extrapolated to {total:,}"
    )
    print(f"speed-up vs reference        : {ref_full / elapsed:8.1f} x")
    print(f"peak traced memory (tracemalloc, generator run): {traced_peak / 2**20:8.0f} MiB")
    print(f"result DataFrames (deep)     : {frame_mb:8.0f} MiB")
    print(f"peak resident memory (ru_maxrss, whole process): {maxrss_mb:8.0f} MiB")
    print(
        f"targets: < 60 s -> {'met' if elapsed < 60 else 'NOT met'}; < 2 GB -> {'met' if maxrss_mb < 2048 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
