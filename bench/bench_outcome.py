"""Benchmark of the outcome model (issue 6: training with full cross-validation on 10,000 past
programs x 20 features < 10 s; predicting for 50 vendors < 10 ms).

pytest-benchmark:  .venv/bin/pytest bench/bench_outcome.py --benchmark-enable
Script:            .venv/bin/python bench/bench_outcome.py [--programs 10000] [--features 20]

"Full cross-validation" is the default training run: vendor-grouped stratified 5-fold, repeated
(10 repeats up to 500 programs, 3 above), calibration inside every fold, the calibration
bootstrap and the effects' bootstrap refits. Data: a seeded known logistic model with 5 %
missing cells and 500 vendors. Training runs BLAS on one thread (see scoring.outcome.train).
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from evaluator.scoring.outcome import explain, train


def make_programs(n: int = 10_000, p: int = 20, vendors: int = 500, seed: int = 6):
    rng = np.random.default_rng(seed)
    X = rng.normal(3, 1, size=(n, p))
    beta = np.where(np.arange(p) < p // 2, 0.4, 0.0) * rng.choice([-1, 1], p)
    y = (rng.random(n) < 1 / (1 + np.exp(-((X - 3) @ beta)))).astype(int)
    X[rng.random(X.shape) < 0.05] = np.nan
    return X, y, [f"vendor-{i % vendors}" for i in range(n)], [f"f{j:02d}" for j in range(p)]


def shortlist(p: int = 20, vendors: int = 50, seed: int = 7) -> list[dict[str, float]]:
    rng = np.random.default_rng(seed)
    return [{f"f{j:02d}": float(v) for j, v in enumerate(row)}
            for row in rng.normal(3, 1, size=(vendors, p))]


def predict_all(params, rows) -> list[float]:
    return [explain(params, row).probability for row in rows]


def test_train_10000_programs_20_features(benchmark):
    X, y, groups, names = make_programs()
    model = benchmark.pedantic(train, args=(X, y, groups, names), rounds=1, iterations=1)
    assert model.metrics["auc"]["mean"] > 0.7


def test_predict_and_explain_50_vendors(benchmark):
    X, y, groups, names = make_programs(n=400, vendors=60)
    model = train(X, y, groups, names, n_repeats=1, bootstrap=0, effect_bootstrap=0)
    rows = shortlist()
    result = benchmark(predict_all, model.params, rows)
    assert len(result) == 50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=int, default=10_000)
    parser.add_argument("--features", type=int, default=20)
    args = parser.parse_args()
    X, y, groups, names = make_programs(args.programs, args.features)
    start = time.perf_counter()
    model = train(X, y, groups, names)
    train_s = time.perf_counter() - start
    rows = shortlist(args.features)
    best = min(_timed(lambda: predict_all(model.params, rows)) for _ in range(20))
    m = model.metrics
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"train {args.programs} x {args.features} ({m['repeats']} x {m['folds']}-fold, "
          f"bootstrap {m['bootstrap']}, effect refits {m['effect_bootstrap']}): {train_s:.2f} s; "
          f"AUC {m['auc']['mean']:.3f} {m['auc']['ci95']}")
    print(f"predict + explain 50 vendors: {best * 1000:.2f} ms (best of 20)")


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
