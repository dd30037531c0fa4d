"""Reading and writing the dossier's CSV files: decoding, header checks, cell parsing, export.

No database here: this module turns bytes into typed rows (or a list of every bad cell with its
line, column and reason) and rows back into CSV text. The import services decide what the rows
mean for the register. The format is documented in docs/formats.md.

Why hand-written around the csv module: the standard library parses CSV well, but the clear
per-cell messages, the spreadsheet-formula neutralisation that round-trips and the list cells
(``a|b; c|d``) are specific to this product.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from email_validator import EmailNotValidError, validate_email

from .limits import MAX_CSV_BYTES, control_character

ENCODINGS = {"utf-8": "UTF-8", "cp1252": "Windows-1252 (older Excel \"CSV\")"}

#: A spreadsheet runs a cell as a formula when it starts with one of these (OWASP CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NEUTRALISED = re.compile(r"^'+[=+\-@\t\r]")


class CsvFileError(ValueError):
    """The file as a whole cannot be read (encoding, header, quoting)."""


@dataclass(frozen=True, order=True)
class CellError:
    """One bad cell: physical line in the file (1 = header), column name and reason."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.message}"


class CsvRowsError(ValueError):
    """Some rows are bad; ``errors`` lists every bad cell, in file order."""

    def __init__(self, errors: Sequence[CellError], table: Table | None = None):
        self.errors = sorted(errors)
        self.table = table  # every row, with the cells that did parse (for further checks)
        super().__init__(f"{len(self.errors)} problem(s) in the file")


# ---------------------------------------------------------------------------- cell parsers


Parser = Callable[[str], object]


def text(max_len: int) -> Parser:
    def parse(raw: str) -> str:
        if len(raw) > max_len:
            raise ValueError(f"is {len(raw)} characters long; the limit is {max_len}")
        return raw

    return parse


def integer(minimum: int, maximum: int) -> Parser:
    def parse(raw: str) -> int | None:
        if raw == "":
            return None
        cleaned = raw.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+", raw) else raw
        if not re.fullmatch(r"\d+", cleaned):
            raise ValueError(f"{raw!r} is not a whole number")
        value = int(cleaned)
        if not minimum <= value <= maximum:
            raise ValueError(f"{value} is outside {minimum}-{maximum}")
        return value

    return parse


def number(maximum: float = 1e15) -> Parser:
    """A non-negative decimal: '1500000', '1,500,000' or '12.5' (no currency signs)."""

    def parse(raw: str) -> float | None:
        if raw == "":
            return None
        cleaned = raw.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", raw) else raw
        if not re.fullmatch(r"\d+(\.\d+)?|\.\d+", cleaned):
            raise ValueError(
                f"{raw!r} is not a number (use digits and a decimal point, e.g. 1500000 or 12.5; "
                "no currency signs or negative values)"
            )
        value = float(cleaned)
        if not math.isfinite(value) or value > maximum:
            raise ValueError(f"{raw!r} is too large")
        return value

    return parse


def iso_date(raw: str) -> date | None:
    if raw == "":
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            raise ValueError
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a date in the form YYYY-MM-DD") from None


def email(max_len: int = 254) -> Parser:
    def parse(raw: str) -> str:
        if raw == "":
            return ""
        if len(raw) > max_len:
            raise ValueError(f"is longer than {max_len} characters")
        try:
            validate_email(raw, check_deliverability=False)
        except EmailNotValidError:
            raise ValueError(f"{raw!r} is not an email address") from None
        return raw

    return parse


def url(max_len: int) -> Parser:
    def parse(raw: str) -> str:
        if raw == "":
            return ""
        if len(raw) > max_len:
            raise ValueError(f"is longer than {max_len} characters")
        if not re.fullmatch(r"https?://[^\s/$.?#][^\s]*", raw, re.IGNORECASE):
            raise ValueError(f"{raw!r} is not a web address starting with http:// or https://")
        return raw

    return parse


def choice(options: Sequence[str], *, allow_empty: bool = True) -> Parser:
    def parse(raw: str) -> str:
        key = normalise_key(raw)
        if key == "" and allow_empty:
            return ""
        if key not in options:
            raise ValueError(f"{raw!r} is not one of: {', '.join(options)}")
        return key

    return parse


def normalise_key(raw: str) -> str:
    """'File drop' -> 'file_drop': how choice cells and header names are compared."""
    return re.sub(r"[\s\-]+", "_", raw.strip().lower())


# ------------------------------------------------------------------------------- list cells


def encode_list(entries: Iterable[Sequence[str]]) -> str:
    """[('ISO 27001', '2027-05-31')] -> 'ISO 27001|2027-05-31'; entries joined with '; '.

    ';', '|' and '\\' inside a value are escaped with a backslash, so any text round-trips.
    """
    out = []
    for entry in entries:
        parts = [_escape(str(part)) for part in entry]
        while parts and parts[-1] == "":
            parts.pop()
        out.append("|".join(parts))
    return "; ".join(out)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace("|", "\\|")


def decode_list(raw: str) -> list[list[str]]:
    """Inverse of encode_list; fields are stripped, empty entries skipped."""
    entries: list[list[str]] = []
    fields: list[str] = []
    buf: list[str] = []
    chars = iter(raw)
    for ch in chars:
        if ch == "\\":
            buf.append(next(chars, "\\"))
        elif ch == "|":
            fields.append("".join(buf).strip())
            buf = []
        elif ch == ";":
            fields.append("".join(buf).strip())
            if any(fields):
                entries.append(fields)
            fields, buf = [], []
        else:
            buf.append(ch)
    fields.append("".join(buf).strip())
    if any(fields):
        entries.append(fields)
    return entries


# --------------------------------------------------------------------------------- columns


@dataclass(frozen=True)
class Column:
    name: str
    parse: Parser
    required: bool = False  # the column must be present and the cell non-empty
    help: str = ""


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, object]  # only the columns present in the file


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]  # columns present, in file order
    rows: list[Row] = field(default_factory=list)


def decode_bytes(data: bytes, encoding: str = "utf-8") -> str:
    """Bytes -> text, with a message a spreadsheet user can act on when it is not text."""
    if encoding not in ENCODINGS:
        raise CsvFileError(f"Unknown encoding {encoding!r}; use one of: {', '.join(ENCODINGS)}.")
    if len(data) > MAX_CSV_BYTES:
        raise CsvFileError(f"The file is larger than {MAX_CSV_BYTES // (1024 * 1024)} MB; split "
                           "it into smaller files.")
    if not data.strip():
        raise CsvFileError("The file is empty.")
    if data.startswith(b"PK\x03\x04"):
        raise CsvFileError(
            "This is an Excel workbook (.xlsx), not a CSV file. In Excel use File > Save As > "
            "\"CSV UTF-8 (Comma delimited)\" and upload that file."
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CsvFileError(
            "The file is UTF-16 (\"Unicode text\"). Save it as \"CSV UTF-8 (Comma delimited)\"."
        )
    try:
        text_value = data.decode("utf-8-sig" if encoding == "utf-8" else encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CsvFileError(
            f"Line {line}: byte 0x{data[exc.start]:02X} is not valid {ENCODINGS[encoding]} text. "
            "Save the file as \"CSV UTF-8\" or choose the encoding it was saved in "
            "(older Excel versions save \"CSV\" as Windows-1252)."
        ) from None
    if "\x00" in text_value:
        raise CsvFileError("The file contains NUL bytes; it is not a CSV text file.")
    return text_value


def _delimiter(header_line: str, known: set[str]) -> str:
    """Comma by default; ';' or tab when that is what splits the header into known columns
    (spreadsheets in many European locales save CSV with semicolons)."""
    best, best_hits = ",", -1
    for delim in (",", ";", "\t"):
        hits = sum(normalise_key(c.strip('"')) in known for c in header_line.split(delim))
        if hits > best_hits:
            best, best_hits = delim, hits
    return best


def unneutralise(value: str) -> str:
    """Undo export's formula neutralisation: one leading apostrophe before a trigger."""
    return value[1:] if _NEUTRALISED.match(value) else value


def neutralise(value: str) -> str:
    """Prefix an apostrophe so a spreadsheet shows the cell as text, never runs it.

    Also prefixes cells that already start with apostrophes before a trigger, so that
    unneutralise() is its exact inverse and every value round-trips.
    """
    if value.startswith(FORMULA_TRIGGERS) or _NEUTRALISED.match(value):
        return "'" + value
    return value


def read_table(data: bytes, columns: Sequence[Column], encoding: str = "utf-8") -> Table:
    """Parse and validate every cell; raise CsvFileError or CsvRowsError (all bad cells)."""
    spec = {c.name: c for c in columns}
    content = decode_bytes(data, encoding)
    first_line = content.split("\n", 1)[0]
    delimiter = _delimiter(first_line, set(spec))
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter, strict=True)
    try:
        header_cells = next(reader, None)
    except csv.Error as exc:
        raise CsvFileError(f"Line 1: the header cannot be read ({exc}).") from None
    if not header_cells or not any(h.strip() for h in header_cells):
        raise CsvFileError("Line 1 must be the header row; it is empty.")
    header = [normalise_key(h) for h in header_cells]
    _check_header(header, header_cells, columns)

    errors: list[CellError] = []
    rows: list[Row] = []
    line = reader.line_num
    while True:
        start = line + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise CsvFileError(
                f"Line {reader.line_num}: the file cannot be read as CSV ({exc}). Check for a "
                "quote (\") that is opened and never closed."
            ) from None
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            extra = [c for c in cells[len(header):] if c.strip()]
            if extra:
                errors.append(CellError(start, f"#{len(header) + 1}", (
                    f"the row has {len(cells)} cells but the header has {len(header)} columns "
                    "(a separator inside a value needs the value in double quotes)"
                )))
                continue
        if len(cells) < len(header):
            # A short row would clear the fields it leaves out; an empty cell (a separator with
            # nothing between) stays the way to clear one on purpose.
            missing = header[len(cells):]
            errors.append(CellError(start, missing[0], (
                f"the row has {len(cells)} cells but the header has {len(header)} columns; "
                f"missing: {', '.join(missing)} (to clear a field, leave its "
                "cell empty between separators)"
            )))
            continue
        values: dict[str, object] = {}
        for index, name in enumerate(header):
            raw = unneutralise(cells[index].strip())
            column = spec[name]
            bad = control_character(raw)
            if bad:
                errors.append(CellError(start, name, f"contains the control character {bad} "
                                                     "(only tab and line breaks are allowed)"))
                continue
            if column.required and raw == "":
                errors.append(CellError(start, name, "is required"))
                continue
            try:
                values[name] = column.parse(raw)
            except ValueError as exc:
                errors.append(CellError(start, name, str(exc)))
        rows.append(Row(start, values))
    if not rows and not errors:
        raise CsvFileError("The file has a header but no data rows.")
    table = Table(columns=tuple(header), rows=rows)
    if errors:
        raise CsvRowsError(errors, table)
    return table


def _check_header(header: list[str], raw: list[str], columns: Sequence[Column]) -> None:
    known = [c.name for c in columns]
    problems = []
    seen: set[str] = set()
    for name, original in zip(header, raw, strict=True):
        if name == "":
            problems.append("an empty column name")
        elif name in seen:
            problems.append(f"column {original.strip()!r} appears twice")
        elif name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"unknown column {original.strip()!r}{hint}")
        seen.add(name)
    missing = [c.name for c in columns if c.required and c.name not in seen]
    if missing:
        problems.append("missing required column(s) " + ", ".join(repr(m) for m in missing))
    if problems:
        raise CsvFileError(
            "Line 1 (header): " + "; ".join(problems) + ". Expected columns: "
            + ", ".join(known) + " (see docs/formats.md)."
        )


def write_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """CSV text (UTF-8 BOM for Excel, CRLF per RFC 4180) with every cell neutralised."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(_cell(v)) for v in row])
    return out.getvalue()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # Positional, shortest exact form: 1500000.0 -> "1500000", 12.5 -> "12.5".
        text_value = format(Decimal(repr(value)), "f")
        return text_value[:-2] if text_value.endswith(".0") else text_value
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
