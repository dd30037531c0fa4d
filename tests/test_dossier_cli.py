"""flask import-vendors / import-case-studies / export-* through the click runner."""

from __future__ import annotations

from sqlalchemy import func, select

from evaluator.extensions import db
from evaluator.models import AuditEvent, CaseStudy, Vendor


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_import_vendors_then_case_studies_and_again_without_duplicates(app, tmp_path):
    vendors = tmp_path / "vendors.csv"
    vendors.write_text("name,country\nAcme,UK\nFjord,Norway\n")
    cases = tmp_path / "cases.csv"
    cases.write_text("vendor,title,planned_months,actual_months\nAcme,Ledger,12,15\n")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-vendors", str(vendors)])
    assert result.exit_code == 0, result.output
    assert "Imported 2 vendors: 2 new, 0 updated, 0 unchanged." in result.output
    result = runner.invoke(args=["import-case-studies", str(cases)])
    assert result.exit_code == 0 and "1 new" in result.output
    result = runner.invoke(args=["import-vendors", str(vendors)])
    assert "0 new, 0 updated, 2 unchanged" in result.output
    assert count(Vendor) == 2 and count(CaseStudy) == 1
    actors = set(db.session.scalars(select(AuditEvent.actor)))
    assert actors == {"import-vendors vendors.csv", "import-case-studies cases.csv"}


def test_bad_file_exits_non_zero_naming_line_and_column(app, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("name,headcount,website\nAcme,12,\nFjord,many,\nKeel,3,ftp://keel\n")
    result = app.test_cli_runner().invoke(args=["import-vendors", str(path)])
    assert result.exit_code == 1
    assert f"{path}:3: column headcount: 'many' is not a whole number" in result.output
    assert f"{path}:4: column website:" in result.output
    assert "Nothing was imported" in result.output
    assert count(Vendor) == 0


def test_wrong_encoding_and_columns_exit_non_zero(app, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("name\nCaf\u00e9\n".encode("cp1252"))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-vendors", str(path)])
    assert result.exit_code == 1 and "Line 2: byte 0xE9 is not valid UTF-8" in result.output
    result = runner.invoke(args=["import-vendors", "--encoding", "cp1252", str(path)])
    assert result.exit_code == 0
    path.write_text("title\nX\n")
    result = runner.invoke(args=["import-case-studies", str(path)])
    assert result.exit_code == 1 and "missing required column(s) 'vendor'" in result.output
    result = runner.invoke(args=["import-vendors", str(tmp_path / "missing.csv")])
    assert result.exit_code == 2 and "does not exist" in result.output
    assert count(Vendor) == 1


def test_dry_run_writes_nothing(app, tmp_path):
    path = tmp_path / "v.csv"
    path.write_text("name\nAcme\n")
    result = app.test_cli_runner().invoke(args=["import-vendors", "--dry-run", str(path)])
    assert result.exit_code == 0 and "Would import 1 vendor: 1 new" in result.output
    assert count(Vendor) == 0


def test_export_commands_write_reimportable_files(app, tmp_path):
    db.session.add(Vendor(name="Acme", description="=1+1"))
    db.session.commit()
    out = tmp_path / "out.csv"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["export-vendors", "-o", str(out)])
    assert result.exit_code == 0
    assert "'=1+1" in out.read_text(encoding="utf-8-sig")
    result = runner.invoke(args=["import-vendors", str(out)])
    assert "1 unchanged" in result.output
    result = runner.invoke(args=["export-case-studies"])
    assert result.exit_code == 0 and result.output.startswith("vendor,title,year")
