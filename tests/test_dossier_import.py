"""CSV import and export of vendors and case studies, through the service (database re-read)."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from evaluator import create_app
from evaluator.extensions import db
from evaluator.models import AuditEvent, CaseStudy, Certification, Vendor, VendorContact
from evaluator.services import dossier_import as di
from evaluator.services.demo import seed_demo
from evaluator.services.vendors import VendorFilter

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"
VENDOR_HEADER = ("name,country,sector,website,headcount,regions,data_residency,description,"
                 "contacts,certifications,integrations")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def vendors_csv(n: int, bad_line: int | None = None) -> bytes:
    rows = [VENDOR_HEADER]
    for i in range(n):
        headcount = "lots" if bad_line is not None and i + 2 == bad_line else str(100 + i)
        rows.append(f'Vendor {i:04d},Norway,Energy,https://v{i}.example,{headcount},"EU, UK",EU,'
                    f'Delivery partner {i},Kim Lee|kim@v{i}.example|+47 123|Bid manager,'
                    f'ISO 27001|2027-05-31|BSI; SOC 2 Type II,erp|SAP S/4HANA; file_drop|SFTP')
    return ("\n".join(rows) + "\n").encode()


def test_good_file_creates_vendors_with_children(app):
    plan = di.run_import(db.session, "vendors", vendors_csv(3))
    assert (plan.created, plan.updated, plan.unchanged) == (3, 0, 0)
    db.session.expire_all()
    vendor = db.session.scalar(select(Vendor).where(Vendor.name == "Vendor 0001"))
    assert vendor.headcount == 101 and vendor.regions == "EU, UK"
    assert [(c.name, c.expires_on, c.issuer) for c in vendor.certifications] == [
        ("ISO 27001", date(2027, 5, 31), "BSI"), ("SOC 2 Type II", None, "")]
    assert [(i.kind, i.product) for i in vendor.integrations] == [
        ("erp", "SAP S/4HANA"), ("file_drop", "SFTP")]
    assert [(c.name, c.email, c.phone, c.title) for c in vendor.contacts] == [
        ("Kim Lee", "kim@v1.example", "+47 123", "Bid manager")]


def test_reimporting_the_same_file_does_not_duplicate_or_write(app):
    di.run_import(db.session, "vendors", vendors_csv(5))
    counts = (count(Vendor), count(Certification), count(VendorContact), count(AuditEvent))
    plan = di.run_import(db.session, "vendors", vendors_csv(5))
    assert (plan.created, plan.updated, plan.unchanged) == (0, 0, 5)
    assert (count(Vendor), count(Certification), count(VendorContact), count(AuditEvent)) == counts


def test_name_matches_ignoring_case_and_changed_fields_are_updated(app):
    di.run_import(db.session, "vendors", vendors_csv(2))
    data = b"NAME,Country\nvendor 0000,Sweden\n"
    plan = di.preview_import(db.session, "vendors", data)
    assert [(r.key, r.action, r.changes) for r in plan.rows] == [
        ("Vendor 0000", "update", ["name", "country"])]
    di.run_import(db.session, "vendors", data)
    db.session.expire_all()
    vendor = db.session.scalar(select(Vendor).where(Vendor.country == "Sweden"))
    assert vendor.name == "vendor 0000"
    # Columns absent from the file are left alone (headcount, certifications).
    assert vendor.headcount == 100 and len(vendor.certifications) == 2
    assert count(Vendor) == 2


def test_one_bad_row_among_1000_writes_nothing_and_names_the_row(app):
    with pytest.raises(di.ImportRejected) as info:
        di.run_import(db.session, "vendors", vendors_csv(1000, bad_line=734))
    assert [(e.line, e.column) for e in info.value.errors] == [(734, "headcount")]
    assert "'lots' is not a whole number" in info.value.errors[0].message
    assert "Nothing was imported" in info.value.message
    assert count(Vendor) == 0 and count(AuditEvent) == 0


def test_every_bad_row_is_reported(app):
    data = (VENDOR_HEADER + "\n"
            "Good,UK,,,,,,,,,\n"
            "Bad cert,UK,,,,,,,,ISO 27001|31/05/2027,\n"
            "Bad integration,UK,,,,,,,,,telepathy|Mind\n"
            "Bad contact,UK,,,,,,,|nobody@x.example,,\n"
            "good,UK,,,,,,,,,\n").encode()
    with pytest.raises(di.ImportRejected) as info:
        di.run_import(db.session, "vendors", data)
    errors = [(e.line, e.column) for e in info.value.errors]
    assert errors == [(3, "certifications"), (4, "integrations"), (5, "contacts"), (6, "name")]
    messages = [e.message for e in info.value.errors]
    assert "expiry '31/05/2027' is not a date in the form YYYY-MM-DD" in messages[0]
    assert "telepathy" in messages[1]
    assert "needs a name" in messages[2]
    assert "duplicates line 2" in messages[3]
    assert count(Vendor) == 0


@pytest.mark.parametrize("data, message", [
    ("name,country\nCaf\u00e9 Ltd,France\n".encode("cp1252"), "not valid UTF-8"),
    (b"vendor,land\nAcme,UK\n", "unknown column 'vendor'"),
    (b"country\nUK\n", "missing required column(s) 'name'"),
    (b"", "The file is empty."),
])
def test_wrong_encoding_and_wrong_columns_are_rejected_clearly(app, data, message):
    with pytest.raises(di.ImportRejected) as info:
        di.run_import(db.session, "vendors", data)
    assert message in info.value.message
    assert count(Vendor) == 0


def test_windows_1252_file_imports_when_that_encoding_is_chosen(app):
    di.run_import(db.session, "vendors", "name,country\nCaf\u00e9 Ltd,France\n".encode("cp1252"),
                  "cp1252")
    assert db.session.scalar(select(Vendor.name)) == "Caf\u00e9 Ltd"


def test_case_studies_import_matches_vendor_and_title(app):
    di.run_import(db.session, "vendors", b"name\nAcme\nBorealis\n")
    data = (b"vendor,title,planned_months,actual_months,planned_budget,actual_budget,outcome,"
            b"setbacks\n"
            b"acme,Ledger migration,12,15,\"1,000,000\",1200000,Delivered,Data migration slipped.\n"
            b"Borealis,Ledger migration,6,6,,,,\n")
    plan = di.run_import(db.session, "case-studies", data)
    assert plan.created == 2
    plan = di.run_import(db.session, "case-studies", data)
    assert (plan.created, plan.unchanged) == (0, 2)
    db.session.expire_all()
    cs = db.session.scalar(select(CaseStudy).join(Vendor).where(Vendor.name == "Acme"))
    assert (cs.planned_months, cs.actual_months, cs.planned_budget, cs.outcome) == (
        12.0, 15.0, 1_000_000.0, "delivered")
    assert count(CaseStudy) == 2


def test_case_studies_for_unknown_vendors_or_twice_in_a_file_are_rejected(app):
    di.run_import(db.session, "vendors", b"name\nAcme\n")
    data = (b"vendor,title,org_size\nAcme,One,huge\nNobody Inc,Two,\nACME,One,\n")
    with pytest.raises(di.ImportRejected) as info:
        di.run_import(db.session, "case-studies", data)
    found = [(e.line, e.column, e.message[:20]) for e in info.value.errors]
    assert found == [(2, "org_size", "'huge' is not one of"), (3, "vendor", "no vendor named 'Nob"),
                     (4, "title", "duplicates line 2 (e")]
    assert count(CaseStudy) == 0


def test_export_neutralises_formulas_and_reimports_to_the_same_data(app):
    seed_demo(db.session)
    acme = db.session.scalar(select(Vendor).where(Vendor.name == "Acme Delivery"))
    acme.description = "=HYPERLINK(\"http://evil.example\",\"click\")"
    acme.sector = "+Sector"
    acme.regions = "-EU"
    acme.country = "@UK"
    acme.case_studies[0].summary = "\tTabbed; semicolons | pipes \\ backslash"
    acme.case_studies[0].lessons = "\r\nCR first"
    acme.contacts[0].title = "=cmd|' /C calc'!A0"
    db.session.commit()

    vendors_text = di.export_vendors(db.session, VendorFilter(include_archived=True))
    cases_text = di.export_case_studies(db.session, include_archived=True)
    for text in (vendors_text, cases_text):
        for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))):
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert "'=HYPERLINK" in vendors_text

    before_v = _snapshot()
    audit = count(AuditEvent)
    plan_v = di.run_import(db.session, "vendors", vendors_text.encode())
    plan_c = di.run_import(db.session, "case-studies", cases_text.encode())
    assert plan_v.unchanged == count(Vendor) and plan_v.updated == 0
    assert plan_c.unchanged == count(CaseStudy) and plan_c.updated == 0
    assert count(AuditEvent) == audit  # nothing was written
    db.session.expire_all()
    assert _snapshot() == before_v


def test_export_into_an_empty_database_recreates_the_register(app, tmp_path):
    seed_demo(db.session)
    vendors_text = di.export_vendors(db.session)
    cases_text = di.export_case_studies(db.session)
    before = _snapshot()
    for vendor in db.session.scalars(select(Vendor)):
        vendor.is_demo = False
    db.session.commit()
    # A fresh app on a fresh database receives the two files.

    other = create_app({"TESTING": True, "SECRET_KEY": "k",
                        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'other.db'}"})
    with other.app_context():
        db.create_all()
        di.run_import(db.session, "vendors", vendors_text.encode())
        di.run_import(db.session, "case-studies", cases_text.encode())
        assert _snapshot() == before
        db.session.remove()
        db.engine.dispose()


def _snapshot():
    out = []
    for v in db.session.scalars(select(Vendor).order_by(Vendor.name)):
        out.append((
            v.name, v.country, v.sector, v.website, v.headcount, v.regions, v.data_residency,
            v.description,
            sorted((c.name, c.email, c.phone, c.title) for c in v.contacts),
            sorted((c.name, c.expires_on, c.issuer) for c in v.certifications),
            sorted((i.kind, i.product, i.notes) for i in v.integrations),
            sorted((cs.title, cs.year, cs.client_sector, cs.org_size, cs.regulatory_regime,
                    cs.planned_months, cs.actual_months, cs.planned_budget, cs.actual_budget,
                    cs.outcome, cs.summary, cs.setbacks, cs.response, cs.lessons,
                    cs.reference_name, cs.reference_email) for cs in v.case_studies),
        ))
    return out


def test_upload_token_is_bound_to_user_and_cannot_be_altered(app):
    token = di.seal_upload("secret", 7, "vendors", "utf-8", b"name\nAcme\n")
    assert di.open_upload("secret", token, 7) == ("vendors", "utf-8", b"name\nAcme\n")
    with pytest.raises(di.ImportRejected):
        di.open_upload("secret", token, 8)
    with pytest.raises(di.ImportRejected):
        di.open_upload("secret", token[:-3] + "abc", 7)
    with pytest.raises(di.ImportRejected):
        di.open_upload("other-secret", token, 7)


def test_documented_example_files_import_cleanly(app):
    plan = di.run_import(db.session, "vendors", (EXAMPLES / "vendors.csv").read_bytes())
    assert plan.created >= 3
    plan = di.run_import(db.session, "case-studies",
                         (EXAMPLES / "case_studies.csv").read_bytes())
    assert plan.created >= 3


def test_formats_doc_shows_the_vendor_header_in_a_csv_block():
    doc = (EXAMPLES.parent / "formats.md").read_text()
    block = doc.split("```csv\n", 1)[1].split("```", 1)[0]
    header = block.splitlines()[0].split(",")
    assert header[0] == "name"
    assert header == [c.name for c in di.VENDOR_COLUMNS]
    assert ",".join(c.name for c in di.CASE_STUDY_COLUMNS) in doc
