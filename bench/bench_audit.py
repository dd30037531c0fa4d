"""Benchmark of the audit hash chain (issue 19): what chaining costs a write, and how long
`flask verify-audit` takes on a long trail.

Script:  .venv/bin/python bench/bench_audit.py [--rows 20000] [--database-url URL]

Writes --rows audit rows through the application's own listener (vendors created and then
renamed in batches of 100 per transaction, so each transaction appends 200 chained rows), then
times the chain walk. Without --database-url it uses a fresh SQLite file (WAL); with a
PostgreSQL URL it creates the schema there (drop it afterwards). Figures go in
docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time

from sqlalchemy import func, select

from evaluator import create_app
from evaluator.audit import acting_as
from evaluator.extensions import db
from evaluator.models import AuditEvent, Vendor
from evaluator.services import audit_trail


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    url = args.database_url or f"sqlite:///{tmp}/bench.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context(), acting_as(None, "bench"):
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        batches = max(1, args.rows // 200)
        for b in range(batches):
            vendors = [Vendor(name=f"Bench vendor {b}-{i}") for i in range(100)]
            db.session.add_all(vendors)
            db.session.commit()
            for v in vendors:
                v.country = "Norway"
            db.session.commit()
        write_s = time.perf_counter() - started
        rows = db.session.scalar(select(func.count()).select_from(AuditEvent))
        db.session.remove()
        started = time.perf_counter()
        verdict = audit_trail.verify_chain(db.session)
        verify_s = time.perf_counter() - started
        assert verdict.ok and verdict.rows == rows, verdict
        print(f"{platform.processor() or platform.machine()}, Python {sys.version.split()[0]}, "
              f"{db.engine.dialect.name}")
        print(f"wrote {rows} chained audit rows in {write_s:.1f} s "
              f"({rows / write_s:,.0f} rows/s, vendors + audit rows)")
        print(f"verify-audit walked {rows} rows in {verify_s:.2f} s "
              f"({rows / verify_s:,.0f} rows/s)")
        db.session.remove()
        if args.database_url:
            db.drop_all()


if __name__ == "__main__":
    main()
