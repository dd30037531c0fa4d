"""Drop folder: good, bad, duplicate and half-written files; vendors before case studies;
outcomes; `flask watch-inbox DIR --once`."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from evaluator.extensions import db
from evaluator.infra import inbox
from evaluator.models import CaseStudy, InboxImport, PastProgram, Vendor

VENDORS = ("name,country,sector,headcount\n"
           "Harbour Systems,Norway,Energy,420\n"
           "Quayside Data,Ireland,Insurance,75\n")
CASE_STUDIES = ("vendor,title,year,planned_months,actual_months,outcome\n"
                "Harbour Systems,Grid telemetry platform,2022,10,12,delivered\n")
BAD_VENDORS = ("name,country,headcount,website\n"
               "Good Row Ltd,UK,10,https://good.example\n"
               "Bad Row Ltd,UK,lots,ftp://bad\n"
               ",UK,5,\n")
OUTCOMES = ("vendor,program,success,year,on_time,setbacks\n"
            "Harbour Systems,Grid telemetry platform,1,2022,0,4.1\n")


def _drop(folder: Path, name: str, text: str, age: float = 60) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    old = time.time() - age
    os.utime(path, (old, old))
    return path


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def box(app, tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def test_good_files_are_imported_and_filed_with_a_report(box):
    # Dropped together: the case studies name vendors from the other file.
    _drop(box, "a_case_studies.csv", CASE_STUDIES)
    _drop(box, "z_vendors.csv", VENDORS)
    results = inbox.scan(db.session, box, stable_seconds=1)
    assert [(r.name, r.outcome, r.kind) for r in results] == [
        ("z_vendors.csv", "imported", "vendors"),
        ("a_case_studies.csv", "imported", "case-studies")]
    vendor = db.session.scalar(select(Vendor).where(Vendor.name == "Harbour Systems"))
    assert vendor.headcount == 420 and vendor.country == "Norway"
    assert db.session.scalar(select(CaseStudy).where(CaseStudy.vendor_id == vendor.id)).title \
        == "Grid telemetry platform"
    assert sorted(p.name for p in (box / "processed").iterdir()) == [
        "a_case_studies.csv", "a_case_studies.csv.report.txt", "z_vendors.csv",
        "z_vendors.csv.report.txt"]
    report = (box / "processed" / "z_vendors.csv.report.txt").read_text()
    assert "Imported (vendors): 2 vendors: 2 new" in report
    assert [p.name for p in box.iterdir() if p.is_file()] == []
    assert _count(InboxImport) == 2


def test_bad_file_imports_nothing_and_the_report_names_each_bad_row(box):
    _drop(box, "vendors.csv", BAD_VENDORS)
    [result] = inbox.scan(db.session, box, stable_seconds=1)
    assert result.outcome == "failed" and result.kind == "vendors"
    assert _count(Vendor) == 0 and _count(InboxImport) == 0
    report = (box / "failed" / "vendors.csv.report.txt").read_text()
    assert "nothing was imported" in report
    assert "line 3, column headcount" in report and "line 3, column website" in report
    assert "line 4, column name" in report
    assert (box / "failed" / "vendors.csv").read_text() == BAD_VENDORS


def test_the_same_file_dropped_twice_imports_once(box):
    _drop(box, "outcomes.csv", OUTCOMES)
    assert inbox.scan(db.session, box, stable_seconds=1)[0].outcome == "imported"
    assert _count(PastProgram) == 1
    _drop(box, "outcomes.csv", OUTCOMES)  # same name, same bytes
    _drop(box, "outcomes-copy.csv", OUTCOMES)  # other name, same bytes
    results = inbox.scan(db.session, box, stable_seconds=1)
    assert [r.outcome for r in results] == ["duplicate", "duplicate"]
    assert _count(PastProgram) == 1 and _count(InboxImport) == 1
    processed = sorted(p.name for p in (box / "processed").iterdir())
    assert len([n for n in processed if n.endswith(".report.txt")]) == 3  # nothing overwritten
    duplicate_reports = [(box / "processed" / n).read_text() for n in processed
                         if n.endswith(".report.txt")]
    assert sum("Duplicate" in text for text in duplicate_reports) == 2
    # A changed file is new content and imports.
    _drop(box, "outcomes.csv", OUTCOMES.replace("Grid telemetry platform", "Meter rollout"))
    assert inbox.scan(db.session, box, stable_seconds=1)[0].outcome == "imported"
    assert _count(PastProgram) == 2


def test_a_half_written_file_is_not_read(box):
    path = _drop(box, "vendors.csv", VENDORS.splitlines()[0] + "\nHarbour Sys", age=0)
    [result] = inbox.scan(db.session, box, stable_seconds=5)
    assert result.outcome == "waiting"
    assert path.exists() and _count(Vendor) == 0 and not (box / "failed").exists()
    # The writer finishes; once the file has been quiet long enough it is imported.
    _drop(box, "vendors.csv", VENDORS, age=10)
    [result] = inbox.scan(db.session, box, stable_seconds=5)
    assert result.outcome == "imported" and _count(Vendor) == 2


def test_a_file_that_keeps_growing_during_the_check_is_left_alone(box, monkeypatch):
    path = _drop(box, "vendors.csv", VENDORS)
    real_sleep = time.sleep

    def append_while_waiting(seconds):  # the writer adds a row during the second look
        with path.open("a") as fh:
            fh.write("Late Row Ltd,UK,Retail,3\n")
        real_sleep(0.01)

    monkeypatch.setattr(inbox.time, "sleep", append_while_waiting)
    assert inbox.is_stable(path, stable_seconds=1) is False
    monkeypatch.setattr(inbox.time, "sleep", real_sleep)
    assert _count(Vendor) == 0


def test_unrecognised_files_fail_with_a_reason_and_other_files_are_ignored(box):
    _drop(box, "export.csv", "colour,size\nred,large\n")
    _drop(box, "notes.txt", "not a csv")
    _drop(box, ".vendors.csv.part", VENDORS)
    [result] = inbox.scan(db.session, box, stable_seconds=1)
    assert result.outcome == "failed" and result.kind is None
    assert "cannot tell" in (box / "failed" / "export.csv.report.txt").read_text()
    assert (box / "notes.txt").exists() and (box / ".vendors.csv.part").exists()


@pytest.mark.parametrize(("name", "header", "kind"), [
    ("x.csv", "name,country", "vendors"),
    ("x.csv", "Vendor;Title;Year", "case-studies"),
    ("x.csv", "vendor,program,success", "outcomes"),
    ("vendors-2026.csv", "", "vendors"),
    ("past-outcomes.csv", "", "outcomes"),
])
def test_kind_is_chosen_by_header_or_file_name(name, header, kind):
    assert inbox.detect_kind(name, header.encode()) == kind


def test_watch_inbox_once_command(app, box):
    _drop(box, "vendors.csv", VENDORS)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["watch-inbox", str(box), "--once", "--stable-seconds", "1"])
    assert result.exit_code == 0, result.output
    assert "vendors.csv: imported (vendors)" in result.output
    assert _count(Vendor) == 2
    _drop(box, "bad.csv", BAD_VENDORS)
    result = runner.invoke(args=["watch-inbox", str(box), "--once", "--stable-seconds", "1"])
    assert result.exit_code == 1 and "bad.csv: failed" in result.output
    assert _count(Vendor) == 2
