"""The interchange document ("evaluator/evaluation@1", docs/formats.md): its constants, the
parsed dataclasses, the errors, and JSON reading that keeps duplicate keys and NaN visible."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ...models import (
    MemberRole,
    Role,
    Status,
)
from .. import json_check, limits

FORMAT = "evaluator/evaluation@1"
FORMAT_PREFIX = "evaluator/evaluation@"
IMPORTABLE_STATUSES = (Status.DRAFT.value, Status.SCORING.value, Status.REVIEW.value)
DEFAULT_STATUS = Status.SCORING.value
EVIDENCE_TYPES = ("case_study", "answer")
# Platform role of an account created by an import, by its role in the evaluation: least
# privilege that still lets it act in that role (leading needs the platform role "lead").
ACCOUNT_ROLE = {
    MemberRole.LEAD.value: Role.LEAD.value,
    MemberRole.EVALUATOR.value: Role.EVALUATOR.value,
    MemberRole.OBSERVER.value: Role.VIEWER.value,
}
MAX_TEXT = limits.MAX_TEXT
MAX_RATIONALE = limits.MAX_RATIONALE
MAX_ISSUES = 50
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


# --- errors -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Issue:
    """One problem: where (a JSON path, or "line L, column C") and why."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


class InterchangeError(ValueError):
    """The document was refused; ``issues`` says where and why. Nothing was written."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("; ".join(str(i) for i in issues))


# --- the parsed document ------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionSpec:
    key: str
    name: str
    weight: float  # raw, >= 0; the core normalises to shares
    knockout_below: float | None = None  # scale points
    description: str = ""
    anchors: dict[str, str] = field(default_factory=dict)  # {"1": "...", ...}


@dataclass(frozen=True)
class MemberSpec:
    email: str  # normalised (lower case)
    name: str = ""
    role: str = MemberRole.EVALUATOR.value


@dataclass(frozen=True)
class ScoreSpec:
    evaluator: str  # email, normalised
    vendor: int  # index into EvaluationSpec.vendors
    criterion: str
    value: float | None
    insufficient_evidence: bool = False
    rationale: str = ""
    evidence: tuple[tuple[str, int], ...] = ()
    path: str = ""  # JSON path of this score, for errors found against the database


@dataclass(frozen=True)
class LensSpec:
    name: str
    weights: dict[str, float]
    description: str = ""


@dataclass(frozen=True)
class ConflictSpec:
    evaluator: str
    vendor: int
    note: str = ""


@dataclass(frozen=True)
class EvaluationSpec:
    title: str
    scale_min: int
    scale_max: int
    criteria: tuple[CriterionSpec, ...]
    vendors: tuple[str, ...]
    evaluators: tuple[MemberSpec, ...] = ()
    scores: tuple[ScoreSpec, ...] = ()
    lenses: tuple[LensSpec, ...] = ()
    conflicts: tuple[ConflictSpec, ...] = ()
    program_context: str = ""
    status: str = DEFAULT_STATUS
    context: dict = field(default_factory=dict)
    relevance_weights: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ImportResult:
    evaluation_id: int
    vendors_matched: int
    vendors_created: int
    accounts_created: int
    scores: int
    abstentions: int


# --- JSON reading -------------------------------------------------------------------------------


def load_json(raw: bytes | str) -> Any:
    """Decode UTF-8 JSON; syntax errors become an Issue with line and column."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InterchangeError(
                [Issue(f"byte {exc.start}", "the file is not UTF-8 text")]
            ) from exc
    try:
        return json_check.loads(raw)
    except json.JSONDecodeError as exc:
        raise InterchangeError(
            [Issue(f"line {exc.lineno}, column {exc.colno}", f"invalid JSON: {exc.msg}")]
        ) from exc
    except RecursionError as exc:
        raise InterchangeError([Issue("$", "the JSON is nested too deeply")]) from exc
