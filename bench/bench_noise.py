"""False-skill benchmark of the outcome model (issue 21): how often does it claim skill on
coin-flip outcomes, and does it still find a real signal?

pytest-benchmark (part of `make bench`):  .venv/bin/pytest bench/bench_noise.py --benchmark-enable
Script (all scenarios, the figures in docs/PERFORMANCE.md):  .venv/bin/python bench/bench_noise.py

Each data set: programs spread round-robin over the vendors, 5 numeric features drawn from a
normal distribution, success a fair coin flip (noise) or drawn from a known logistic model of
two of the features (signal). The model is trained with the app's defaults (seed 0), exactly as
`flask train-model` does. A data set "claims skill" when its verdict is anything but "none".
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from collections import Counter

import numpy as np

from evaluator.scoring.outcome import train

FEATURES = [f"f{j}" for j in range(5)]
SIGNAL = np.array([1.0, -0.8, 0.0, 0.0, 0.0])

#: (name, vendors, programs, kind, data sets, claims allowed by the issue's acceptance rule)
SCENARIOS = [
    ("coin flip, 5 vendors x 40 programs", 5, 40, "noise", 40, 1),
    ("coin flip, 4 vendors x 60 programs", 4, 60, "noise", 40, 1),
    ("coin flip, 40 vendors x 200 programs", 40, 200, "noise", 40, 2),
    ("known signal, 40 vendors x 200 programs", 40, 200, "signal", 10, None),
    ("known signal, one vendor holds 60 %", 30, 200, "concentrated", 10, None),
]


def data_set(vendors: int, programs: int, kind: str, seed: int):
    """X (programs x 5), y (0/1), vendor per program."""
    rng = np.random.default_rng([21, vendors, programs, seed])
    X = rng.normal(size=(programs, len(FEATURES)))
    if kind == "noise":
        y = rng.integers(0, 2, programs)
    else:
        y = (rng.random(programs) < 1 / (1 + np.exp(-(X @ SIGNAL)))).astype(int)
    groups = [f"vendor-{i % vendors}" for i in range(programs)]
    if kind == "concentrated":  # Kitchenham-like: one client/vendor holds most programs
        groups = ["vendor-0" if i < 0.6 * programs else f"vendor-{1 + i % (vendors - 1)}"
                  for i in range(programs)]
    return X, y, groups


def run(vendors: int, programs: int, kind: str, sets: int, **settings) -> Counter:
    """Verdict counts over `sets` seeded data sets (data sets the core refuses are "refused")."""
    verdicts: Counter = Counter()
    for seed in range(sets):
        X, y, groups = data_set(vendors, programs, kind, seed)
        try:
            verdicts[train(X, y, groups, FEATURES, **settings).metrics["skill"]] += 1
        except Exception:  # noqa: BLE001  (InsufficientData: too few of one outcome)
            verdicts["refused"] += 1
    return verdicts


def claims(verdicts: Counter) -> int:
    return sum(n for level, n in verdicts.items() if level not in ("none", "refused"))


def test_false_skill_on_coin_flips_few_vendors(benchmark):
    verdicts = benchmark.pedantic(run, args=(5, 40, "noise", 40), rounds=1, iterations=1)
    assert claims(verdicts) <= 1


def test_false_skill_on_coin_flips_40_vendors(benchmark):
    verdicts = benchmark.pedantic(run, args=(40, 200, "noise", 40), rounds=1, iterations=1)
    assert claims(verdicts) <= 2


def test_known_signal_is_found(benchmark):
    verdicts = benchmark.pedantic(run, args=(40, 200, "signal", 10), rounds=1, iterations=1)
    assert verdicts["moderate"] + verdicts["good"] >= 8


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="one JSON object per scenario")
    args = parser.parse_args()
    print(f"{platform.machine()}, Python {platform.python_version()}")
    for name, vendors, programs, kind, sets, allowed in SCENARIOS:
        start = time.perf_counter()
        verdicts = run(vendors, programs, kind, sets)
        seconds = time.perf_counter() - start
        row = {"scenario": name, "data_sets": sets, "claims_skill": claims(verdicts),
               "allowed": allowed, "verdicts": dict(sorted(verdicts.items())),
               "seconds": round(seconds, 1)}
        print(json.dumps(row) if args.json else
              f"{name}: {row['claims_skill']} of {sets} claim skill "
              f"(allowed {allowed if allowed is not None else '-'}); verdicts "
              f"{row['verdicts']}; {seconds:.1f} s")


if __name__ == "__main__":
    main()
