"""Benchmark of the scoring core's full analysis (issue 4: < 100 ms for 50 x 15 x 10).

pytest-benchmark:  .venv/bin/pytest bench/bench_scoring.py --benchmark-enable
Curve (script):    .venv/bin/python bench/bench_scoring.py --curve [--csv bench/scoring_curve.csv]

"One core": BLAS is limited to one thread (threadpoolctl, when installed) so the figure does
not depend on how many cores OpenBLAS grabs; pin the process too (taskset -c 0) for the
numbers recorded in docs/PERFORMANCE.md. The generated data is deterministic (seeded).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from evaluator.scoring import (
    Criterion,
    Lens,
    Scale,
    ScoreValue,
    agreement,
    analyse,
    build_score_matrix,
    flip_weights,
    leniency,
    rank_matrix,
    robustness,
    share_vector,
)

SAMPLES = 10_000
CRITERIA = 15
EVALUATORS = 10
CURVE_VENDORS = (10, 20, 50, 100, 200, 500, 1000)


def single_thread() -> contextlib.AbstractContextManager:
    """Limit BLAS/OpenMP pools to one thread for the block (no-op without threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_limits  # noqa: PLC0415  (optional package)
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        return contextlib.nullcontext()
    return threadpool_limits(limits=1)


def make_evaluation(n_vendors: int, n_criteria: int = CRITERIA, n_evaluators: int = EVALUATORS):
    """A realistic synthetic evaluation: vendor quality + evaluator leniency + noise, 1..5.

    About 5 % of cells are abstentions (no value); the first criterion carries a knockout
    threshold of 2, and two lenses reweight subsets of the criteria.
    """
    rng = np.random.default_rng(20240601 + n_vendors)
    criteria = [
        Criterion(f"c{k:02d}", f"Criterion {k}", float(rng.integers(1, 10)),
                  knockout_below=2.0 if k == 0 else None)
        for k in range(n_criteria)
    ]  # fmt: skip
    vendors = [f"vendor-{i:04d}" for i in range(n_vendors)]
    quality = rng.normal(3.2, 0.7, size=(n_vendors, 1)) + rng.normal(
        0, 0.5, (n_vendors, n_criteria)
    )
    lenient = rng.normal(0, 0.3, size=n_evaluators)
    raw = (
        quality[None]
        + lenient[:, None, None]
        + rng.normal(0, 0.6, (n_evaluators, n_vendors, n_criteria))
    )
    values = np.clip(np.rint(raw), 1, 5)
    keep = rng.random(values.shape) > 0.05
    scores = [
        ScoreValue(f"evaluator-{e}", vendors[v], criteria[k].key, float(values[e, v, k]))
        for e, v, k in zip(*np.nonzero(keep), strict=True)
    ]
    keys = [c.key for c in criteria]
    lenses = [
        Lens("Finance", {k: 1.0 for k in keys[: n_criteria // 3]}),
        Lens("Operations", {k: float(i + 1) for i, k in enumerate(keys[n_criteria // 2 :])}),
    ]
    return Scale(1, 5), criteria, vendors, scores, lenses


def full_analysis(case, samples: int = SAMPLES) -> dict:
    scale, criteria, vendors, scores, lenses = case
    return analyse(
        scale, criteria, vendors, scores, lenses=lenses, samples=samples, seed=0
    ).to_dict()


def test_full_analysis_50_vendors_15_criteria_10_evaluators(benchmark):
    case = make_evaluation(50)
    with single_thread():
        data = benchmark(full_analysis, case)
    assert len(data["vendors"]) == 50
    assert data["sensitivity"]["samples"] == SAMPLES
    assert abs(sum(v["p_rank1"] for v in data["vendors"]) - 1.0) < 1e-4


def _best_of(fn: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best * 1000.0


def time_phases(case, samples: int = SAMPLES, repeats: int = 5) -> dict[str, float]:
    """Best-of-``repeats`` wall time (ms) of each phase and of the whole analysis."""
    scale, criteria, vendors, scores, _ = case
    matrix = build_score_matrix(scale, criteria, vendors, scores)
    ranking = rank_matrix(matrix, share_vector(matrix.criteria))
    n = len(vendors)
    row: dict[str, float] = {
        "vendors": n,
        "criteria": len(criteria),
        "evaluators": EVALUATORS,
        "scores": len(scores),
        "samples": samples,
        "build_ms": _best_of(lambda: build_score_matrix(scale, criteria, vendors, scores), repeats),
        "rank_ms": _best_of(lambda: rank_matrix(matrix, share_vector(criteria)), repeats),
        "agreement_ms": _best_of(lambda: (agreement(matrix), leniency(matrix)), repeats),
        "robustness_ms": _best_of(
            lambda: robustness(matrix, ranking, samples=samples, seed=0), repeats
        ),
        "flip_ms": _best_of(lambda: flip_weights(matrix, ranking), repeats),
        "total_ms": _best_of(lambda: full_analysis(case, samples), repeats),
    }
    row["ns_per_sample_vendor_criterion"] = (
        row["robustness_ms"] * 1e6 / (samples * n * len(criteria))
    )
    return row


def curve(vendor_counts=CURVE_VENDORS, samples: int = SAMPLES) -> list[dict[str, float]]:
    """Time the full analysis and its phases for each vendor count (best of N, in ms)."""
    rows = []
    for n in vendor_counts:
        rows.append(time_phases(make_evaluation(n), samples, repeats=7 if n <= 100 else 3))
        print(_format_row(rows[-1]), flush=True)
    return rows


COLUMNS = ("vendors", "scores", "build_ms", "rank_ms", "agreement_ms", "robustness_ms",
           "flip_ms", "total_ms", "ns_per_sample_vendor_criterion")  # fmt: skip


def _format_row(row: dict[str, float]) -> str:
    return "  ".join(
        f"{row[c]:>{max(len(c), 8)}.2f}"
        if isinstance(row[c], float)
        else f"{row[c]:>{max(len(c), 8)}}"
        for c in COLUMNS
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--curve", action="store_true", help="time 10..1000 vendors")
    parser.add_argument("--csv", type=Path, help="also write the curve to this CSV file")
    parser.add_argument("--samples", type=int, default=SAMPLES)
    args = parser.parse_args(argv)
    print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}, "
          f"{CRITERIA} criteria x {EVALUATORS} evaluators, {args.samples} samples, best-of-N ms")  # fmt: skip
    with single_thread():
        if not args.curve:
            case = make_evaluation(50)
            print(
                f"50 vendors full analysis: {_best_of(lambda: full_analysis(case, args.samples), 20):.2f} ms"
            )
            return 0
        print("  ".join(f"{c:>{max(len(c), 8)}}" for c in COLUMNS))
        rows = curve(samples=args.samples)
    if args.csv:
        with args.csv.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows({k: round(v, 3) for k, v in row.items()} for row in rows)
        print(f"wrote {args.csv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
