"""Benchmark of the PDF recommendation memo (issue 7: a 12-vendor memo in under 1 s median, with
under 20 % of the time spent outside WeasyPrint's own rendering).

pytest-benchmark:  .venv/bin/pytest bench/bench_memo.py --benchmark-enable -p no:cacheprovider
Script:            .venv/bin/python bench/bench_memo.py [--rounds 15] [--vendors 12]

The evaluation is the demo data set plus a 12-vendor evaluation (9 criteria, 4 evaluators, 4
lenses, 432 submitted scores, each citing a case study and an interview answer) built by
tests/pdf/builders.py, in a fresh SQLite file database. Each round times what a download does:

  gather    build_memo(): queries, the scoring core (analysis cache cleared first, so the
            10,000-sample robustness runs every round), evidence, fingerprint, SVG charts
  template  render_memo_html(): the Jinja template
  weasy     render_pdf(): WeasyPrint parsing, layout and PDF writing (its own rendering)

Wall time (perf_counter) and this process's CPU time (process_time) are both reported: the
machine is shared, and CPU time is what the code costs when another process competes for the
cores. One warm-up round (font loading, template compilation) is not counted.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

# As `make serve` does for the gunicorn workers: one BLAS thread (see "Scoring core" above in
# docs/PERFORMANCE.md); must be set before numpy is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # script mode: make `evaluator` and `tests` importable
    sys.path.insert(0, str(ROOT))

from evaluator import create_app, memos  # noqa: E402
from evaluator.extensions import db  # noqa: E402
from evaluator.services import analysis as analysis_service  # noqa: E402
from evaluator.services import memos as memo_service  # noqa: E402
from tests.pdf.builders import memo_evaluation  # noqa: E402

PHASES = ("gather", "template", "weasy")


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def one_round(evaluation_id: int) -> dict[str, float]:
    """One memo, timed by phase: {phase: wall s, phase_cpu: cpu s, total, total_cpu, pages}."""
    analysis_service.clear_cache()
    db.session.expire_all()  # reload every row, as a fresh request would
    with memos.gc_paused():  # as the download view and the CLI do
        marks = [_clock()]
        memo = memo_service.build_memo(db.session, evaluation_id, prepared_by="bench")
        marks.append(_clock())
        html = memos.render_memo_html(memo)
        marks.append(_clock())
        pdf = memos.render_pdf(html)
        marks.append(_clock())
    gc.collect()  # the collector's catch-up happens between requests, outside the timing
    out: dict[str, float] = {"pages": pdf.pages}
    for i, phase in enumerate(PHASES):
        out[phase] = marks[i + 1][0] - marks[i][0]
        out[phase + "_cpu"] = marks[i + 1][1] - marks[i][1]
    out["total"] = marks[-1][0] - marks[0][0]
    out["total_cpu"] = marks[-1][1] - marks[0][1]
    return out


def run(rounds: int, vendors: int) -> list[dict[str, float]]:
    with tempfile.TemporaryDirectory() as directory:
        app = create_app({"TESTING": True, "SECRET_KEY": "bench",
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory}/bench.db"})
        with app.app_context():
            db.create_all()
            evaluation_id = memo_evaluation(db.session, vendors=vendors)
            one_round(evaluation_id)  # warm-up: fonts, template compilation
            results = [one_round(evaluation_id) for _ in range(rounds)]
            db.session.remove()
            db.engine.dispose()
    return results


def summary(results: list[dict[str, float]]) -> dict[str, float]:
    med = {key: statistics.median(r[key] for r in results) for key in results[0]}
    outside = [(r["gather"] + r["template"]) / r["total"] for r in results]
    outside_cpu = [(r["gather_cpu"] + r["template_cpu"]) / r["total_cpu"] for r in results]
    med["outside_share"] = statistics.median(outside)
    med["outside_share_cpu"] = statistics.median(outside_cpu)
    return med


def test_memo_12_vendors(benchmark):
    results: list[dict[str, float]] = []

    def go():
        results.extend(run(5, 12))

    benchmark.pedantic(go, rounds=1, iterations=1)
    med = summary(results)
    assert med["total_cpu"] < 1.0
    assert med["outside_share_cpu"] < 0.2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--vendors", type=int, default=12)
    args = parser.parse_args(argv)
    results = run(args.rounds, args.vendors)
    med = summary(results)
    print(f"{args.vendors}-vendor memo, {int(med['pages'])} pages, {args.rounds} rounds "
          f"(+1 warm-up), Python {platform.python_version()}, {platform.machine()}")
    print("median      wall ms    cpu ms")
    for key in (*PHASES, "total"):
        print(f"{key:<10} {1000 * med[key]:>8.1f} {1000 * med[key + '_cpu']:>9.1f}")
    walls = sorted(r["total"] for r in results)
    print(f"total wall min {1000 * walls[0]:.1f} ms, max {1000 * walls[-1]:.1f} ms")
    print(f"outside WeasyPrint (gather + template) / total: wall {100 * med['outside_share']:.1f} %,"
          f" cpu {100 * med['outside_share_cpu']:.1f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
