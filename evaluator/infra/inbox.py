"""Drop-folder import: every CSV that appears in a directory is imported, then filed away.

For systems that can only write files. Each *.csv directly in the inbox is
  - left alone while it may still be written (modified less than ``stable_seconds`` ago, or its
    size/mtime changes during a short second look): it is picked up on a later pass;
  - recognised as vendors, case studies or outcomes by its header (file name as the fallback);
  - imported all-or-nothing by the same services as the CLI and the upload pages;
  - moved to processed/ or failed/ with ``<name>.report.txt`` beside it (the summary, or every
    bad row as "line N, column C: reason").
The SHA-256 of every imported file is recorded (InboxImport): the same bytes dropped again are
filed under processed/ as a duplicate and import nothing. Run one watcher per directory.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import InboxImport
from ..services import csv_io, dossier_import, outcome_import

KIND_ORDER = ("vendors", "case-studies", "outcomes")  # vendors first: case studies name them
PROCESSED, FAILED = "processed", "failed"


@dataclass(frozen=True)
class FileResult:
    name: str
    outcome: str  # imported, duplicate, failed, waiting
    kind: str | None
    report: str
    moved_to: Path | None = None


def _header_fields(data: bytes) -> set[str]:
    text = data[:65536].decode("utf-8-sig", errors="replace")
    first = text.splitlines()[0] if text.strip() else ""
    for sep in (",", ";", "\t"):
        if sep in first:
            return {csv_io.normalise_key(c.strip().strip('"')) for c in first.split(sep)}
    return {csv_io.normalise_key(first.strip().strip('"'))} if first else set()


def detect_kind(name: str, data: bytes) -> str | None:
    """vendors / case-studies / outcomes from the header's columns, else from the file name."""
    header = _header_fields(data)
    if {"vendor", "program", "success"} <= header:
        return "outcomes"
    if {"vendor", "title"} <= header:
        return "case-studies"
    if "name" in header:
        return "vendors"
    lower = name.lower()
    if "outcome" in lower or "program" in lower:
        return "outcomes"
    if "case" in lower:
        return "case-studies"
    if "vendor" in lower:
        return "vendors"
    return None


def is_stable(path: Path, stable_seconds: float, settle: float = 0.2) -> bool:
    """Not written for ``stable_seconds``, and unchanged over a second look ``settle`` later."""
    try:
        first = path.stat()
        if time.time() - first.st_mtime < stable_seconds:
            return False
        time.sleep(settle)
        second = path.stat()
    except FileNotFoundError:
        return False
    return (first.st_size, first.st_mtime_ns) == (second.st_size, second.st_mtime_ns)


def _import(session: Session, kind: str, data: bytes, encoding: str) -> str:
    """Import and return the summary; raise ValueError with the report text on refusal."""
    if kind == "outcomes":
        try:
            preview = outcome_import.import_outcomes(session, data)
        except outcome_import.OutcomeImportError as exc:
            session.rollback()
            raise ValueError("\n".join(str(e) for e in exc.errors)) from None
        return (f"{len(preview.rows)} past programs imported ({preview.successes} successes, "
                f"{preview.matched_vendors} vendors matched in the register)")
    try:
        plan = dossier_import.run_import(session, kind, data, encoding)
    except dossier_import.ImportRejected as exc:
        session.rollback()
        lines = [f"line {e.line}, column {e.column}: {e.message}" for e in exc.errors]
        raise ValueError("\n".join([exc.message, *lines])) from None
    return plan.summary()


def _destination(folder: Path, name: str) -> Path:
    folder.mkdir(exist_ok=True)
    target = folder / name
    if target.exists() or (folder / f"{name}.report.txt").exists():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        stem, dot, ext = name.rpartition(".")
        target = folder / (f"{stem}-{stamp}{dot}{ext}" if dot else f"{name}-{stamp}")
    return target


def _file_away(path: Path, folder: Path, report: str) -> Path:
    target = _destination(folder, path.name)
    os.replace(path, target)
    Path(f"{target}.report.txt").write_text(report.rstrip() + "\n", encoding="utf-8")
    return target


def process_file(session: Session, inbox: Path, path: Path, encoding: str = "utf-8"
                 ) -> FileResult:
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    header = f"{path.name} (sha256 {digest})\n"
    kind = detect_kind(path.name, data)
    seen = session.scalar(select(InboxImport).where(InboxImport.sha256 == digest))
    session.rollback()
    if seen is not None:
        report = (f"{header}Duplicate: the same content was imported from {seen.filename} on "
                  f"{seen.imported_at:%Y-%m-%d %H:%M} UTC; nothing imported this time.")
        moved = _file_away(path, inbox / PROCESSED, report)
        return FileResult(path.name, "duplicate", seen.kind, report, moved)
    if kind is None:
        report = (f"{header}Failed: cannot tell what this file holds. The header must be a "
                  "vendors (name, ...), case studies (vendor, title, ...) or outcomes (vendor, "
                  "program, success, ...) header; see docs/formats.md.")
        return FileResult(path.name, "failed", None, report,
                          _file_away(path, inbox / FAILED, report))
    try:
        summary = _import(session, kind, data, encoding)
    except ValueError as exc:
        report = f"{header}Failed ({kind}): nothing was imported.\n{exc}"
        return FileResult(path.name, "failed", kind, report,
                          _file_away(path, inbox / FAILED, report))
    session.add(InboxImport(sha256=digest, filename=path.name[:300], kind=kind, summary=summary))
    try:
        session.commit()
    except IntegrityError:  # another watcher recorded the same bytes at the same moment
        session.rollback()
    report = f"{header}Imported ({kind}): {summary}."
    return FileResult(path.name, "imported", kind, report,
                      _file_away(path, inbox / PROCESSED, report))


def pending_files(inbox: Path) -> list[Path]:
    files = [p for p in inbox.iterdir()
             if p.is_file() and p.suffix.lower() == ".csv" and not p.name.startswith(".")]

    def order(p: Path):
        with p.open("rb") as fh:  # the header is all detect_kind reads
            kind = detect_kind(p.name, fh.read(65536))
        rank = KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)
        return (rank, p.stat().st_mtime, p.name)

    return sorted(files, key=order)


def scan(session: Session, inbox: Path, *, stable_seconds: float = 2.0, encoding: str = "utf-8"
         ) -> list[FileResult]:
    """One pass over the inbox: import every stable CSV; report the ones still being written."""
    results = []
    for path in pending_files(inbox):
        if not is_stable(path, stable_seconds):
            results.append(FileResult(path.name, "waiting", None,
                                      "still being written; left for the next pass"))
            continue
        results.append(process_file(session, inbox, path, encoding))
    return results
