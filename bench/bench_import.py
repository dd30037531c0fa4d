"""Benchmark of the vendor CSV import (issue 3: 1,000 vendors in under 5 s).

pytest-benchmark:  .venv/bin/pytest bench/bench_import.py --benchmark-enable -p no:cacheprovider
Script:            .venv/bin/python bench/bench_import.py [--vendors 1000] [--rounds 5]

Each round imports a realistic 1,000-row vendor file (every row with a contact, two
certifications and two integrations, so about 6,000 rows plus their audit events are written)
into a fresh, migrated-schema SQLite file database (WAL, as in production), then re-imports it
(the "nothing changed" path) and times a file with one bad row among 1,000 (nothing written).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time

from sqlalchemy import func, select

from evaluator import create_app
from evaluator.extensions import db
from evaluator.models import Vendor
from evaluator.services import dossier_import

HEADER = ("name,country,sector,website,headcount,regions,data_residency,description,"
          "contacts,certifications,integrations")


def vendor_file(n: int, bad_line: int | None = None) -> bytes:
    rows = [HEADER]
    for i in range(n):
        headcount = "many" if bad_line == i + 2 else str(50 + i % 5000)
        rows.append(
            f'Vendor {i:05d} Ltd,United Kingdom,Financial services,https://v{i}.example,'
            f'{headcount},"UK, EU","UK, EU","Integration partner number {i}, regulated '
            f'delivery.",Kim Lee|kim@v{i}.example|+44 20 7946 {i % 10000:04d}|Bid manager,'
            f'ISO 27001|2027-05-31|BSI; SOC 2 Type II|2026-12-31,'
            f'erp|SAP S/4HANA; file_drop|SFTP batch files'
        )
    return ("\n".join(rows) + "\n").encode()


def _fresh_app(directory: str):
    app = create_app({"TESTING": True, "SECRET_KEY": "bench",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory}/bench.db"})
    with app.app_context():
        db.create_all()
    return app


def run_once(n: int) -> dict[str, float]:
    data = vendor_file(n)
    bad = vendor_file(n, bad_line=n // 2)
    with tempfile.TemporaryDirectory() as directory:
        app = _fresh_app(directory)
        with app.app_context():
            t0 = time.perf_counter()
            plan = dossier_import.run_import(db.session, "vendors", data)
            t1 = time.perf_counter()
            assert plan.created == n
            again = dossier_import.run_import(db.session, "vendors", data)
            t2 = time.perf_counter()
            assert again.unchanged == n
            try:
                dossier_import.run_import(db.session, "vendors", bad)
            except dossier_import.ImportRejected as exc:
                assert [e.line for e in exc.errors] == [n // 2]
            t3 = time.perf_counter()
            assert db.session.scalar(select(func.count()).select_from(Vendor)) == n
            db.session.remove()
            db.engine.dispose()
    return {"import": t1 - t0, "reimport": t2 - t1, "rejected": t3 - t2}


def test_import_1000_vendors(benchmark):
    result = benchmark.pedantic(run_once, args=(1000,), rounds=3, iterations=1)
    assert result["import"] < 5.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vendors", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    runs = [run_once(args.vendors) for _ in range(args.rounds)]
    print(f"{args.vendors} vendors, {args.rounds} rounds, Python {platform.python_version()}, "
          f"{platform.machine()}")
    for key in ("import", "reimport", "rejected"):
        values = [r[key] for r in runs]
        print(f"{key:>9}: min {min(values):.2f} s  median {statistics.median(values):.2f} s  "
              f"max {max(values):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
