"""Input limits: the sizes every path (form, CSV, JSON interchange, API, vendor portal) enforces
alike, and the one text rule. docs/SECURITY.md ("Limits") lists them.

Why limits at all: a 5,000-criterion file was accepted and its setup page then took 262 s. Each
number is far above real use (a real evaluation has 5-15 criteria, 3-8 shortlisted vendors,
3-10 evaluators, 2-6 lenses) and low enough that every page stays fast.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MAX_CRITERIA = 100  # criteria in one evaluation or template
MAX_SHORTLIST = 50  # vendors on one evaluation's shortlist
MAX_MEMBERS = 100  # members (evaluators, observers, leads) of one evaluation
MAX_LENSES = 20  # stakeholder lenses of one evaluation
MAX_SCALE_BOUND = 100  # scale ends lie in -100..100 (a 1-5 or 0-10 scale is the norm)
MAX_WEIGHT = 1_000_000.0  # a raw criterion or lens weight (normalised to shares anyway)
MAX_NAME = 200  # characters in a name or title
MAX_TEXT = 20_000  # characters in a free-text field (description, narrative, answer)
MAX_RATIONALE = 5_000  # characters in a score's rationale
MAX_CSV_BYTES = 2 * 1024 * 1024  # one uploaded CSV file
MAX_INTERCHANGE_BYTES = 5 * 1024 * 1024  # one evaluation interchange (JSON) file
MAX_REQUEST_BYTES = 5 * 1024 * 1024  # any request body (Flask MAX_CONTENT_LENGTH)
MAX_JSON_DEPTH = 32  # nesting of arrays/objects in an API body (the deepest valid one is 3)

#: C0 control characters except tab, line feed and carriage return (a textarea sends CRLF).
#: NUL is refused by PostgreSQL in text and silently stored by SQLite; the others are invisible
#: in pages, spreadsheets and the memo, so text carrying them is refused on every path.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class TextRuleError(ValueError):
    """Text with a control character (message names the character)."""


def control_character(text: str) -> str | None:
    """'U+0000' for the first forbidden control character in text, else None."""
    match = CONTROL_CHARACTERS.search(text)
    return f"U+{ord(match.group()):04X}" if match else None


def check_text(text: str, what: str = "The text") -> str:
    """Return text unchanged, or raise TextRuleError naming the character."""
    found = control_character(text)
    if found:
        raise TextRuleError(f"{what} contains the control character {found}; remove it "
                            "(only tab and line breaks are allowed).")
    return text


def first_bad_field(fields: Iterable[tuple[str, str]]) -> tuple[str, str] | None:
    """(field name, character) of the first value breaking the text rule, else None."""
    for name, value in fields:
        found = control_character(value) if isinstance(value, str) else None
        if found:
            return name, found
    return None
