"""The large benchmark data set of the performance issue, built fast with bulk inserts.

    python bench/dataset.py sqlite:////tmp/perf.db
    python bench/dataset.py postgresql+psycopg://postgres@127.0.0.1:5432/perfbench

Shape (defaults): 1,000 vendors with 10 case studies, 2 certifications and 2 integrations each;
200 evaluations in review, each 12 shortlisted vendors x 10 criteria x 6 evaluators with every
score submitted and citing a case study (144,000 scores); 3 lenses per evaluation; 10,000 past
programs; 20,000 audit events. One lead, bench@perf.example.com, is a member of every evaluation
(so the dashboard and the evaluation list have 200 rows to show).

The schema comes from the migrations (`flask db upgrade`), as in production. Rows are written
with SQLAlchemy core `insert()` executemany, not the ORM: that takes seconds instead of minutes,
and it deliberately skips the audit listener (which writes an audit row per ORM object) — fine
for a benchmark data set; the audit table gets its own synthetic rows instead. Deterministic
(seeded random), so every run measures the same data.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from werkzeug.security import generate_password_hash

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evaluator import catalog  # noqa: E402
from evaluator.models import (  # noqa: E402
    AuditEvent,
    CaseStudy,
    Certification,
    Evaluation,
    EvaluationCriterion,
    Integration,
    Lens,
    Membership,
    PastProgram,
    Score,
    ShortlistEntry,
    User,
    Vendor,
)

PASSWORD = "bench-passphrase-2026-perf"
LEAD_EMAIL = "bench@perf.example.com"
SECTORS = ["banking", "insurance", "retail", "public sector", "health", "energy", "logistics",
           "telecom", "manufacturing", "pharma"]
COUNTRIES = ["DE", "FR", "NL", "GB", "US", "PL", "ES", "IT", "SE", "CH", "IN", "CA"]
CERTS = ["ISO 27001", "SOC 2 Type II", "ISO 9001", "PCI DSS", "ISO 22301", "TISAX"]
KINDS = ["erp", "crm", "mainframe", "file_drop", "other"]
OUTCOMES = ["delivered", "partial", "cancelled"]
EXTRA_CRITERION = {
    "key": "cost_control", "name": "Cost control",
    "description": "Budgets held, change requests priced transparently.", "weight": 1.0,
    "knockout_below": None,
    "anchors": {str(i): f"Cost control level {i}" for i in range(1, 6)},
}


def _text(rng: random.Random, words: int) -> str:
    vocab = ("migration cutover setback replanned stakeholder budget vendor team delivered "
             "lessons learned rollback regulator audit integration data quality training "
             "handover operations incident weekend release milestone risk escalation").split()
    return " ".join(rng.choice(vocab) for _ in range(words)).capitalize() + "."


def _batches(conn, table, rows: list[dict], size: int = 5000) -> None:
    for start in range(0, len(rows), size):
        conn.execute(insert(table), rows[start:start + size])


def migrate(url: str) -> None:
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="bench", REDIS_URL="memory://")
    env.pop("EVALUATOR_ENV", None)
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True)


def build(url: str, *, vendors: int = 1000, case_studies_per_vendor: int = 10,
          evaluations: int = 200, shortlist: int = 12, evaluators: int = 6,
          past_programs: int = 10_000, audit_events: int = 20_000, seed: int = 2026) -> dict:
    """Create the schema and the rows; returns ids the load benchmark needs."""
    rng = random.Random(seed)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    migrate(url)
    engine = create_engine(url)
    criteria_specs = [dict(spec) for spec in catalog.CRITERIA][:9] + [EXTRA_CRITERION]
    with engine.begin() as conn:
        pw = generate_password_hash(PASSWORD, method="scrypt")
        users = [{"id": 1, "email": LEAD_EMAIL, "name": "Bench Lead", "role": "lead",
                  "password_hash": pw, "active": True, "session_version": 1, "created_at": now}]
        n_evaluators = 60
        users += [{"id": 2 + i, "email": f"evaluator{i}@perf.example.com",
                   "name": f"Evaluator {i}", "role": "evaluator", "password_hash": pw,
                   "active": True, "session_version": 1, "created_at": now}
                  for i in range(n_evaluators)]
        _batches(conn, User.__table__, users)

        vendor_rows, cs_rows, cert_rows, integ_rows = [], [], [], []
        cs_by_vendor: dict[int, list[int]] = {}
        cs_id = 0
        for v in range(1, vendors + 1):
            vendor_rows.append({
                "id": v, "name": f"Vendor {v:04d} {rng.choice(['Systems', 'Partners', 'Labs'])}",
                "country": rng.choice(COUNTRIES), "sector": rng.choice(SECTORS),
                "website": f"https://vendor{v}.example.com", "headcount": rng.randint(20, 50000),
                "description": _text(rng, 40), "regions": "EU,NA", "data_residency": "EU",
                "is_demo": False, "archived_at": None, "created_at": now, "updated_at": now,
                "version": 1})
            for c in rng.sample(CERTS, 2):
                cert_rows.append({"vendor_id": v, "name": c, "issuer": "Accredited body",
                                  "expires_on": None})
            for k in rng.sample(KINDS, 2):
                integ_rows.append({"vendor_id": v, "kind": k, "product": "Product", "notes": ""})
            for c in range(case_studies_per_vendor):
                cs_id += 1
                planned = rng.randint(6, 36)
                cs_rows.append({
                    "id": cs_id, "vendor_id": v, "title": f"Program {c + 1} for vendor {v}",
                    "year": rng.randint(2012, 2026), "client_sector": rng.choice(SECTORS),
                    "org_size": rng.choice(["small", "medium", "large", "enterprise"]),
                    "regulatory_regime": rng.choice(["", "GDPR", "DORA", "HIPAA"]),
                    "planned_months": planned, "actual_months": planned * rng.uniform(0.9, 1.6),
                    "planned_budget": 1e6, "actual_budget": 1e6 * rng.uniform(0.9, 1.5),
                    "outcome": rng.choice(OUTCOMES), "summary": _text(rng, 60),
                    "setbacks": _text(rng, 40), "response": _text(rng, 40),
                    "lessons": _text(rng, 40), "reference_name": "Ref", "reference_email": "",
                    "created_at": now, "version": 1})
                cs_by_vendor.setdefault(v, []).append(cs_id)
        _batches(conn, Vendor.__table__, vendor_rows)
        _batches(conn, CaseStudy.__table__, cs_rows)
        _batches(conn, Certification.__table__, cert_rows)
        _batches(conn, Integration.__table__, integ_rows)

        ev_rows, crit_rows, lens_rows, sl_rows, mem_rows, score_rows = [], [], [], [], [], []
        crit_id = 0
        for e in range(1, evaluations + 1):
            ev_rows.append({
                "id": e, "title": f"Evaluation {e:03d}", "program_context": _text(rng, 30),
                "context": {"sector": rng.choice(SECTORS), "org_size": "enterprise",
                            "regimes": ["GDPR"], "regions": ["EU"], "residency": ["EU"],
                            "systems": ["erp"]},
                "relevance_weights": {}, "scale_min": 1, "scale_max": 5, "status": "review",
                "template_id": None, "created_by_id": 1, "is_demo": False,
                "created_at": now - timedelta(days=e), "updated_at": now, "version": 1})
            crit_ids = []
            for pos, spec in enumerate(criteria_specs):
                crit_id += 1
                crit_ids.append(crit_id)
                crit_rows.append({"id": crit_id, "evaluation_id": e, "key": spec["key"],
                                  "name": spec["name"], "description": spec["description"],
                                  "weight": spec["weight"],
                                  "knockout_below": spec.get("knockout_below"),
                                  "anchors": spec["anchors"], "position": pos})
            for lens in catalog.LENSES:
                lens_rows.append({"evaluation_id": e, "name": lens["name"],
                                  "description": lens.get("description", ""),
                                  "weights": dict(lens["weights"])})
            shortlisted = rng.sample(range(1, vendors + 1), shortlist)
            sl_rows += [{"evaluation_id": e, "vendor_id": v} for v in shortlisted]
            mem_rows.append({"evaluation_id": e, "user_id": 1, "role": "lead",
                             "submitted_at": None})
            team = rng.sample(range(2, 2 + n_evaluators), evaluators)
            mem_rows += [{"evaluation_id": e, "user_id": u, "role": "evaluator",
                          "submitted_at": now} for u in team]
            for u in team:
                for v in shortlisted:
                    for c in crit_ids:
                        score_rows.append({
                            "evaluation_id": e, "evaluator_id": u, "vendor_id": v,
                            "criterion_id": c, "value": float(rng.randint(1, 5)),
                            "insufficient_evidence": False, "rationale": _text(rng, 12),
                            "evidence": [{"type": "case_study",
                                          "id": rng.choice(cs_by_vendor[v])}],
                            "submitted": True, "updated_at": now, "version": 1})
        _batches(conn, Evaluation.__table__, ev_rows)
        _batches(conn, EvaluationCriterion.__table__, crit_rows)
        _batches(conn, Lens.__table__, lens_rows)
        _batches(conn, ShortlistEntry.__table__, sl_rows)
        _batches(conn, Membership.__table__, mem_rows)
        _batches(conn, Score.__table__, score_rows)

        pp_rows = []
        keys = [spec["key"] for spec in criteria_specs]
        for p in range(past_programs):
            v = rng.randint(1, vendors)
            pp_rows.append({
                "vendor_name": vendor_rows[v - 1]["name"], "vendor_id": v,
                "program": f"Past program {p}", "year": rng.randint(2010, 2025),
                "evaluation_id": None, "success": rng.random() < 0.6,
                "on_time": rng.random() < 0.5, "on_budget": rng.random() < 0.5,
                "features": {k: rng.randint(1, 5) for k in keys}, "notes": "",
                "is_demo": False, "created_at": now})
        _batches(conn, PastProgram.__table__, pp_rows)

        audit_rows = [{"at": now - timedelta(minutes=i), "actor_id": 1, "actor": LEAD_EMAIL,
                       "action": "update", "entity_type": "Score", "entity_id": i,
                       "before": {"value": 3}, "after": {"value": 4}}
                      for i in range(audit_events)]
        _batches(conn, AuditEvent.__table__, audit_rows)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("vendors", "case_studies", "evaluations", "evaluation_criteria",
                          "shortlist_entries", "memberships", "scores", "past_programs",
                          "audit_events", "users", "lenses", "certifications", "integrations"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
            conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return {"lead": LEAD_EMAIL, "password": PASSWORD, "evaluation_id": 1,
            "scores": len(score_rows), "vendors": vendors, "case_studies": len(cs_rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="SQLAlchemy URL of an EMPTY database")
    args = parser.parse_args()
    started = time.perf_counter()
    info = build(args.url)
    print(f"built in {time.perf_counter() - started:.1f} s: {info}")


if __name__ == "__main__":
    main()
