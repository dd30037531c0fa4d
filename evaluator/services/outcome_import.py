"""CSV import of past program outcomes (format: docs/formats.md): all rows or none.

The whole file is checked first and every bad cell reported with its line and column; feature
columns are any numeric columns beside the outcome's own (REQUIRED_COLUMNS, OPTIONAL_COLUMNS).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import PastProgram, Vendor
from .errors import OutcomeError
from .uow import transaction

REQUIRED_COLUMNS = ("vendor", "program", "success")
OPTIONAL_COLUMNS = ("year", "on_time", "on_budget", "notes")
MAX_ROWS = 20_000
MAX_FEATURES = 100
MAX_ERRORS_SHOWN = 50


# --- CSV import -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column '{self.column}'" if self.column else "")
        return f"{where}: {self.message}"


class OutcomeImportError(OutcomeError):
    """The file was refused as a whole; `errors` name every line and column at fault."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        shown = "; ".join(str(e) for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        super().__init__(f"Nothing was imported: {len(errors)} problem(s) in the file. "
                         f"{shown}{more}")


@dataclass(frozen=True)
class ParsedProgram:
    line: int
    vendor_name: str
    vendor_id: int | None
    program: str
    year: int | None
    success: bool
    on_time: bool | None
    on_budget: bool | None
    notes: str
    features: dict[str, float]


@dataclass(frozen=True)
class ImportPreview:
    rows: list[ParsedProgram]
    features: list[str]

    @property
    def matched_vendors(self) -> int:
        return len({r.vendor_id for r in self.rows if r.vendor_id is not None})

    @property
    def successes(self) -> int:
        return sum(r.success for r in self.rows)


def _flag(text: str, line: int, column: str, errors: list[RowError], *,
          required: bool) -> bool | None:
    value = text.strip()
    if value == "" and not required:
        return None
    if value in ("0", "1"):
        return value == "1"
    shown = repr(value) if value else "nothing"
    errors.append(RowError(line, column, f"must be 0 or 1{'' if required else ' or empty'}, "
                                         f"got {shown}"))
    return None


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise OutcomeImportError([RowError(1, None, "the file is not UTF-8 text (save it as "
                                                    "'CSV UTF-8' and try again)")]) from exc


def _header(raw: list[str]) -> tuple[list[str], list[RowError]]:
    names = [h.strip().lower() for h in raw]
    errors = []
    for i, name in enumerate(names):
        if not name:
            errors.append(RowError(1, None, f"column {i + 1} has no name"))
        elif len(name) > 60:
            errors.append(RowError(1, name[:60], "a column name may have at most 60 characters"))
        elif names.index(name) != i:
            errors.append(RowError(1, name, "this column appears twice"))
    for name in REQUIRED_COLUMNS:
        if name not in names:
            errors.append(RowError(1, name, "required column is missing (required: "
                                            + ", ".join(REQUIRED_COLUMNS) + ")"))
    if len(names) - len(set(names) & set(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)) > MAX_FEATURES:
        errors.append(RowError(1, None, f"at most {MAX_FEATURES} feature columns"))
    return names, errors


def parse_outcomes_csv(session: Session, data: bytes | str) -> ImportPreview:
    """Check the whole file and return what would be imported; raise OutcomeImportError.

    Format (docs/formats.md, "Past program outcomes"): header row; required vendor, program, success (0/1);
    optional year, on_time, on_budget (0/1 or empty), notes; every other column is a numeric
    pre-award feature named by its header (empty = not recorded).
    """
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    try:
        raw_header = next(reader, None)
    except csv.Error as exc:
        raise OutcomeImportError([RowError(1, None, f"not a readable CSV file ({exc})")]) from exc
    if not raw_header:
        raise OutcomeImportError([RowError(1, None, "the file is empty: a header row is needed")])
    names, errors = _header(raw_header)
    if errors:
        raise OutcomeImportError(errors)
    feature_names = [n for n in names if n not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    vendor_ids = {name.casefold(): vid for vid, name in session.execute(
        select(Vendor.id, Vendor.name))}
    existing = {(v.casefold(), p.casefold()) for v, p in session.execute(
        select(PastProgram.vendor_name, PastProgram.program))}
    seen: dict[tuple[str, str], int] = {}
    rows: list[ParsedProgram] = []
    line = 1
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(RowError(start, None, f"cannot be read as CSV ({exc})"))
            break
        line = start
        if not any(c.strip() for c in cells):
            continue
        if len(rows) + len(errors) >= MAX_ROWS:
            errors.append(RowError(line, None, f"too many rows: at most {MAX_ROWS} per file"))
            break
        if len(cells) != len(names):
            errors.append(RowError(line, None, f"has {len(cells)} cells; the header has "
                                               f"{len(names)}"))
            continue
        cell = dict(zip(names, cells, strict=True))
        n_before = len(errors)
        vendor, program = cell["vendor"].strip(), cell["program"].strip()
        for column, value in (("vendor", vendor), ("program", program)):
            if not value:
                errors.append(RowError(line, column, "is required"))
            elif len(value) > 200:
                errors.append(RowError(line, column, "may have at most 200 characters"))
        success = _flag(cell["success"], line, "success", errors, required=True)
        on_time = _flag(cell.get("on_time", ""), line, "on_time", errors, required=False)
        on_budget = _flag(cell.get("on_budget", ""), line, "on_budget", errors, required=False)
        year = None
        if cell.get("year", "").strip():
            try:
                year = int(cell["year"].strip())
                if not 1950 <= year <= 2100:
                    raise ValueError
            except ValueError:
                errors.append(RowError(line, "year", f"must be a year such as 2021, got "
                                                     f"{cell['year'].strip()!r}"))
        features = {}
        for name in feature_names:
            text = cell[name].strip()
            if not text:
                continue
            try:
                value = float(text)
                if not math.isfinite(value):
                    raise ValueError
            except ValueError:
                errors.append(RowError(line, name, f"must be a number (decimal point, no "
                                                   f"units) or empty, got {text!r}"))
                continue
            features[name] = value
        key = (vendor.casefold(), program.casefold())
        if vendor and program:
            if key in seen:
                errors.append(RowError(line, "program", f"repeats line {seen[key]} (same vendor "
                                                        "and program)"))
            elif key in existing:
                errors.append(RowError(line, "program", f"'{program}' by '{vendor}' is already "
                                                        "recorded"))
            seen.setdefault(key, line)
        if len(errors) == n_before:
            rows.append(ParsedProgram(
                line, vendor, vendor_ids.get(vendor.casefold()), program, year, bool(success),
                on_time, on_budget, cell.get("notes", "").strip(), features))
    if errors:
        raise OutcomeImportError(errors)
    if not rows:
        raise OutcomeImportError([RowError(line, None, "the file has a header but no rows")])
    return ImportPreview(rows, feature_names)


@transaction
def import_outcomes(session: Session, data: bytes | str) -> ImportPreview:
    """Import every row or none (one transaction). Raises OutcomeImportError."""
    preview = parse_outcomes_csv(session, data)
    session.add_all(PastProgram(
        vendor_name=r.vendor_name, vendor_id=r.vendor_id, program=r.program, year=r.year,
        success=r.success, on_time=r.on_time, on_budget=r.on_budget, notes=r.notes,
        features=r.features, is_demo=False,
    ) for r in preview.rows)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent import of the same program
        raise OutcomeImportError([RowError(1, None, "another import recorded some of these "
                                                    "programs at the same time; try again")]) from exc
    return preview
