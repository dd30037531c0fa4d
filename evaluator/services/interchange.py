"""The evaluation interchange format ("evaluator/evaluation@1", docs/formats.md).

Import is two steps so that a bad file writes nothing: ``parse_document`` turns the JSON text
into plain frozen dataclasses or raises InterchangeError listing every problem with its JSON
path (``$.scores[3].value``) or, for syntax errors, its line and column; ``import_evaluation``
then checks what only the database knows (archived vendors, cited evidence, existing accounts)
and writes everything in one transaction. ``export_document`` builds the same shape back, in a
canonical order, so export -> import -> export gives the identical document.

The validation is hand-written rather than a JSON Schema because the useful checks are
cross-references (scores naming listed evaluators, vendors and criteria; lens weights naming
criteria; values on the file's own scale) that a schema cannot express, and the messages must
read well in a terminal.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import scoring
from ..models import (
    CaseStudy,
    Conflict,
    Evaluation,
    EvaluationCriterion,
    Interview,
    InterviewAnswer,
    Lens,
    MemberRole,
    Membership,
    Role,
    Score,
    ShortlistEntry,
    Status,
    Vendor,
)
from . import analysis as analysis_service
from . import evaluations as evaluation_service
from . import users as user_service
from .errors import EvaluationNotFound

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
MAX_TEXT = 20_000
MAX_RATIONALE = 5_000
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


class _Object(dict):
    """A JSON object that remembers keys it saw twice (json keeps the last one silently)."""

    duplicates: tuple[str, ...] = ()


class _NonStandard:
    """NaN / Infinity: Python's json accepts them; the format does not (reported by path)."""

    def __init__(self, text: str) -> None:
        self.text = text


def _pairs(pairs: list[tuple[str, Any]]) -> _Object:
    obj, dupes = _Object(), []
    for key, value in pairs:
        if key in obj:
            dupes.append(key)
        obj[key] = value
    obj.duplicates = tuple(dupes)
    return obj


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
        return json.loads(raw, object_pairs_hook=_pairs, parse_constant=_NonStandard)
    except json.JSONDecodeError as exc:
        raise InterchangeError(
            [Issue(f"line {exc.lineno}, column {exc.colno}", f"invalid JSON: {exc.msg}")]
        ) from exc
    except RecursionError as exc:
        raise InterchangeError([Issue("$", "the JSON is nested too deeply")]) from exc


# --- validation ---------------------------------------------------------------------------------


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, _NonStandard):
        return f"{value.text} (not valid JSON)"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _at(path: str, key: str) -> str:
    return f"{path}.{key}" if _IDENT.fullmatch(key) else f"{path}[{json.dumps(key)}]"


def _norm(text: str) -> str:
    """Matching form of a vendor name or email: trimmed, case-insensitive."""
    return text.strip().casefold()


class _Checker:
    """Collects issues while reading the document, so one run reports every problem."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def fail(self, where: str, reason: str) -> None:
        if len(self.issues) < MAX_ISSUES:
            self.issues.append(Issue(where, reason))

    def obj(self, value: Any, path: str, required: tuple[str, ...],
            optional: tuple[str, ...] = ()) -> dict | None:
        if not isinstance(value, dict):
            self.fail(path, f"must be an object, got {_kind(value)}")
            return None
        for key in getattr(value, "duplicates", ()):
            self.fail(_at(path, key), "appears twice in the same object")
        allowed = required + optional
        for key in value:
            if key not in allowed:
                self.fail(_at(path, key), f"unknown field (allowed: {', '.join(allowed)})")
        for key in required:
            if key not in value:
                self.fail(_at(path, key), "is required")
        return value

    def array(self, obj: dict, key: str, path: str) -> list:
        if key not in obj:
            return []
        value = obj[key]
        if not isinstance(value, list):
            self.fail(_at(path, key), f"must be a list, got {_kind(value)}")
            return []
        return value

    def text(self, obj: dict, key: str, path: str, *, max_len: int, required: bool = False,
             default: str = "") -> str | None:
        if key not in obj:
            return None if required else default
        value = obj[key]
        where = _at(path, key)
        if not isinstance(value, str):
            self.fail(where, f"must be a string, got {_kind(value)}")
            return None
        value = value.strip()
        if required and not value:
            self.fail(where, "must not be empty")
            return None
        if len(value) > max_len:
            self.fail(where, f"is {len(value)} characters long; at most {max_len} are allowed")
            return None
        return value

    def number(self, value: Any, where: str, *, nullable: bool = False) -> float | None:
        """A finite JSON number as float; None for null when allowed (else an issue)."""
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(where, f"must be a number{' or null' if nullable else ''}, "
                             f"got {_kind(value)}")
            return None
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            self.fail(where, "must be a finite number")
            return None
        return number


def parse_document(raw: bytes | str) -> EvaluationSpec:
    """Read and validate a whole document; raises InterchangeError listing every problem."""
    return validate_document(load_json(raw))


def validate_document(data: Any) -> EvaluationSpec:
    c = _Checker()
    top = c.obj(data, "$", ("format", "title", "scale", "criteria"),
                ("program_context", "status", "vendors", "evaluators", "scores", "lenses",
                 "conflicts", "context", "relevance_weights"))
    if top is None:
        raise InterchangeError(c.issues)
    fmt = top.get("format")
    if fmt != FORMAT:
        if isinstance(fmt, str) and fmt.startswith(FORMAT_PREFIX):
            reason = f"unsupported version {fmt!r}; this Evaluator reads {FORMAT!r}"
        elif "format" in top:
            reason = f"must be {FORMAT!r}, got {json.dumps(fmt) if isinstance(fmt, str) else _kind(fmt)}"
        else:
            reason = f"is required and must be {FORMAT!r} (is this an Evaluator evaluation file?)"
        raise InterchangeError([Issue("$.format", reason)])

    title = c.text(top, "title", "$", max_len=200, required=True)
    program_context = c.text(top, "program_context", "$", max_len=MAX_TEXT) or ""
    status = DEFAULT_STATUS
    if "status" in top:
        value = top["status"]
        if value == Status.DECIDED.value:
            c.fail("$.status", "a decided evaluation cannot be imported: the decision record is "
                               "not part of this format (use \"review\" and record it in the app)")
        elif value not in IMPORTABLE_STATUSES:
            c.fail("$.status", f"must be one of {', '.join(IMPORTABLE_STATUSES)}, got "
                               f"{json.dumps(value) if isinstance(value, str) else _kind(value)}")
        else:
            status = value

    context = _context(c, top.get("context")) if "context" in top else {}
    relevance_weights = (_relevance_weights(c, top.get("relevance_weights"))
                         if "relevance_weights" in top else {})
    scale = _scale(c, top.get("scale")) if "scale" in top else None
    criteria = _criteria(c, top, scale)
    keys = {cr.key for cr in criteria}
    vendors, vendor_index = _vendors(c, top)
    members = _members(c, top)
    by_email = {m.email: m for m in members}
    lenses = _lenses(c, top, criteria)
    conflicts = _conflicts(c, top, by_email, vendor_index)
    scores = _scores(c, top, scale, keys, by_email, vendor_index,
                     {(x.evaluator, x.vendor) for x in conflicts})

    if not c.issues and scale is not None:
        _cross_check_with_core(c, scale, criteria, vendors, scores, lenses)
    if c.issues:
        raise InterchangeError(c.issues)
    assert title is not None and scale is not None
    return EvaluationSpec(
        title=title, scale_min=scale[0], scale_max=scale[1], criteria=tuple(criteria),
        vendors=tuple(vendors), evaluators=tuple(members), scores=tuple(scores),
        lenses=tuple(lenses), conflicts=tuple(conflicts), program_context=program_context,
        status=status, context=context, relevance_weights=relevance_weights,
    )


CONTEXT_LISTS = ("regimes", "regions", "residency", "systems", "certifications")
CONTEXT_TEXT = ("sector", "org_size")
CONTEXT_BANDS = ("budget_band", "duration_band")


def _context(c: _Checker, value: Any) -> dict:
    """The structured program context (relevance matching); see docs/formats.md."""
    if not isinstance(value, dict):
        c.fail("$.context", f"must be an object, got {_kind(value)}")
        return {}
    out: dict[str, Any] = {}
    for key, item in value.items():
        where = f"$.context.{key}"
        if key in CONTEXT_TEXT:
            if not isinstance(item, str) or len(item) > 120:
                c.fail(where, "must be a text of at most 120 characters")
            else:
                out[key] = item.strip()
        elif key in CONTEXT_LISTS:
            if not isinstance(item, list) or not all(isinstance(x, str) for x in item):
                c.fail(where, "must be a list of texts")
            else:
                out[key] = [x.strip() for x in item if x.strip()]
        elif key in CONTEXT_BANDS:
            ok = item is None or (
                isinstance(item, list) and len(item) == 2
                and all(isinstance(x, int | float) and not isinstance(x, bool) and x >= 0
                        for x in item))
            if not ok:
                c.fail(where, "must be null or [low, high] with two non-negative numbers")
            else:
                out[key] = item
        else:
            allowed = ", ".join(CONTEXT_TEXT + CONTEXT_LISTS + CONTEXT_BANDS)
            c.fail(where, f"unknown field (allowed: {allowed})")
    return out


def _relevance_weights(c: _Checker, value: Any) -> dict:
    from ..scoring.relevance import facet_weights

    if not isinstance(value, dict):
        c.fail("$.relevance_weights", f"must be an object, got {_kind(value)}")
        return {}
    try:
        facet_weights(value)
    except (scoring.ScoringError, TypeError) as exc:
        c.fail("$.relevance_weights", str(exc))
        return {}
    return {k: float(v) for k, v in value.items()}


def _scale(c: _Checker, value: Any) -> tuple[int, int] | None:
    obj = c.obj(value, "$.scale", ("min", "max"))
    if obj is None or "min" not in obj or "max" not in obj:
        return None
    bounds = []
    for key in ("min", "max"):
        number = c.number(obj[key], f"$.scale.{key}")
        if number is not None and not number.is_integer():
            c.fail(f"$.scale.{key}", f"must be a whole number, got {obj[key]!r}")
            number = None
        bounds.append(number)
    lo, hi = bounds
    if lo is None or hi is None:
        return None
    try:
        scoring.Scale(lo, hi)
    except scoring.InvalidScale as exc:
        c.fail("$.scale", str(exc))
        return None
    return int(lo), int(hi)


def _on_scale(scale: tuple[int, int] | None, value: float) -> bool:
    return scale is None or scale[0] <= value <= scale[1]


def _criteria(c: _Checker, top: dict, scale: tuple[int, int] | None) -> list[CriterionSpec]:
    items = c.array(top, "criteria", "$")
    if "criteria" in top and isinstance(top["criteria"], list) and not items:
        c.fail("$.criteria", "must list at least one criterion")
    out: list[CriterionSpec] = []
    seen: set[str] = set()
    weights: dict[str, float] = {}
    complete = True
    for i, item in enumerate(items):
        path = f"$.criteria[{i}]"
        issues_before = len(c.issues)
        obj = c.obj(item, path, ("key", "name", "weight"),
                    ("knockout_below", "description", "anchors"))
        if obj is None:
            complete = False
            continue
        key = c.text(obj, "key", path, max_len=60, required=True)
        name = c.text(obj, "name", path, max_len=200, required=True)
        description = c.text(obj, "description", path, max_len=MAX_TEXT) or ""
        weight = c.number(obj["weight"], f"{path}.weight") if "weight" in obj else None
        if weight is not None and weight < 0:
            c.fail(f"{path}.weight", f"must not be negative, got {obj['weight']!r}")
            weight = None
        knockout = None
        if "knockout_below" in obj:
            knockout = c.number(obj["knockout_below"], f"{path}.knockout_below", nullable=True)
            if knockout is not None and not _on_scale(scale, knockout):
                c.fail(f"{path}.knockout_below",
                       f"{obj['knockout_below']!r} is outside the scale {scale[0]}-{scale[1]}")
                knockout = None
        anchors = _anchors(c, obj, path, scale)
        if key is not None and key in seen:
            c.fail(f"{path}.key", f"criterion key {key!r} is used twice")
            key = None
        if len(c.issues) > issues_before:
            complete = False
        if key is None:
            continue
        # A criterion with a valid key stays referable even if another field is wrong, so
        # that scores and lenses naming it do not report follow-on errors.
        seen.add(key)
        weights[key] = weight or 0.0
        out.append(CriterionSpec(key, name or "", weight or 0.0, knockout, description, anchors))
    if weights and complete:
        try:
            scoring.normalise_weights(weights)
        except scoring.InvalidWeights as exc:
            c.fail("$.criteria", str(exc))
    return out


def _anchors(c: _Checker, obj: dict, path: str, scale: tuple[int, int] | None) -> dict[str, str]:
    if "anchors" not in obj:
        return {}
    value, where = obj["anchors"], f"{path}.anchors"
    if not isinstance(value, dict):
        c.fail(where, f"must be an object mapping scale levels to text, got {_kind(value)}")
        return {}
    for key in getattr(value, "duplicates", ()):
        c.fail(_at(where, key), "appears twice in the same object")
    out = {}
    for level, text in value.items():
        at = _at(where, level)
        try:
            number = int(level)
        except ValueError:
            c.fail(at, "anchor keys must be whole scale levels such as \"1\"")
            continue
        if str(number) != level or not _on_scale(scale, number):
            c.fail(at, f"is not a level of the scale {scale[0]}-{scale[1]}" if scale
                   else "anchor keys must be whole scale levels such as \"1\"")
            continue
        if not isinstance(text, str):
            c.fail(at, f"must be a string, got {_kind(text)}")
            continue
        if len(text) > MAX_TEXT:
            c.fail(at, f"is longer than {MAX_TEXT} characters")
            continue
        out[level] = text.strip()
    return out


def _vendors(c: _Checker, top: dict) -> tuple[list[str], dict[str, int]]:
    names: list[str] = []
    index: dict[str, int] = {}
    for i, item in enumerate(c.array(top, "vendors", "$")):
        path = f"$.vendors[{i}]"
        obj = c.obj(item, path, ("name",))
        name = c.text(obj, "name", path, max_len=200, required=True) if obj else None
        if name is None:
            continue
        if _norm(name) in index:
            c.fail(f"{path}.name", f"vendor {name!r} is listed twice (names match regardless "
                                   "of case)")
            continue
        index[_norm(name)] = len(names)
        names.append(name)
    return names, index


def _members(c: _Checker, top: dict) -> list[MemberSpec]:
    out: list[MemberSpec] = []
    seen: set[str] = set()
    for i, item in enumerate(c.array(top, "evaluators", "$")):
        path = f"$.evaluators[{i}]"
        obj = c.obj(item, path, ("email",), ("name", "role"))
        if obj is None:
            continue
        email = c.text(obj, "email", path, max_len=254, required=True)
        name = c.text(obj, "name", path, max_len=120) or ""
        role = obj.get("role", MemberRole.EVALUATOR.value)
        if role not in {r.value for r in MemberRole}:
            c.fail(f"{path}.role", "must be one of lead, evaluator, observer, got "
                                   f"{json.dumps(role) if isinstance(role, str) else _kind(role)}")
            role = ""  # still referable by scores, without follow-on role errors
        if email is None:
            continue
        email = user_service.normalise_email(email)
        if not _EMAIL.fullmatch(email):
            c.fail(f"{path}.email", f"{email!r} is not an email address")
        elif email in seen:
            c.fail(f"{path}.email", f"{email} is listed twice")
        else:
            seen.add(email)
            out.append(MemberSpec(email, name, role))
    return out


def _reference(c: _Checker, obj: dict, key: str, path: str, known: dict, what: str) -> Any:
    """Resolve a reference (email, vendor name) to a listed item, or report it."""
    value = obj.get(key)
    if key not in obj:
        return None
    if not isinstance(value, str):
        c.fail(_at(path, key), f"must be a string, got {_kind(value)}")
        return None
    found = known.get(_norm(value))
    if found is None:
        c.fail(_at(path, key), f"{value!r} is not one of the file's {what}")
    return found


def _lenses(c: _Checker, top: dict, criteria: list[CriterionSpec]) -> list[LensSpec]:
    keys = [cr.key for cr in criteria]
    out: list[LensSpec] = []
    seen = {scoring.BASE_PROFILE}
    for i, item in enumerate(c.array(top, "lenses", "$")):
        path = f"$.lenses[{i}]"
        obj = c.obj(item, path, ("name", "weights"), ("description",))
        if obj is None:
            continue
        name = c.text(obj, "name", path, max_len=80, required=True)
        description = c.text(obj, "description", path, max_len=MAX_TEXT) or ""
        if name is not None and name in seen:
            c.fail(f"{path}.name", f"{name!r} is reserved for the criteria's own weights"
                   if name == scoring.BASE_PROFILE else f"lens {name!r} is listed twice")
            name = None
        raw = obj.get("weights")
        if "weights" in obj and not isinstance(raw, dict):
            c.fail(f"{path}.weights", f"must be an object mapping criterion keys to weights, "
                                      f"got {_kind(raw)}")
            continue
        weights: dict[str, float] = {}
        ok = True
        for key, value in (raw or {}).items():
            where = _at(f"{path}.weights", key)
            if key not in keys:
                c.fail(where, f"unknown criterion {key!r} (criteria: {', '.join(keys)})")
                ok = False
                continue
            number = c.number(value, where)
            if number is not None and number < 0:
                c.fail(where, f"must not be negative, got {value!r}")
                number = None
            if number is None:
                ok = False
                continue
            weights[key] = number
        if ok and raw is not None:
            try:
                scoring.normalise_weights(weights)
            except scoring.InvalidWeights as exc:
                c.fail(f"{path}.weights", str(exc))
                ok = False
        for key in getattr(raw, "duplicates", ()):
            c.fail(_at(f"{path}.weights", key), "appears twice in the same object")
        if name is None or not ok or raw is None:
            continue
        seen.add(name)
        ordered = {k: weights[k] for k in keys if k in weights}  # canonical: criteria order
        out.append(LensSpec(name, ordered, description))
    return out


def _conflicts(c: _Checker, top: dict, members: dict[str, MemberSpec],
               vendors: dict[str, int]) -> list[ConflictSpec]:
    out: list[ConflictSpec] = []
    seen: set[tuple[str, int]] = set()
    emails = {_norm(e): e for e in members}
    for i, item in enumerate(c.array(top, "conflicts", "$")):
        path = f"$.conflicts[{i}]"
        obj = c.obj(item, path, ("evaluator", "vendor"), ("note",))
        if obj is None:
            continue
        email = _reference(c, obj, "evaluator", path, emails, "evaluators")
        vendor = _reference(c, obj, "vendor", path, vendors, "vendors")
        note = c.text(obj, "note", path, max_len=MAX_TEXT) or ""
        if email is None or vendor is None:
            continue
        if (email, vendor) in seen:
            c.fail(path, "this conflict is declared twice")
            continue
        seen.add((email, vendor))
        out.append(ConflictSpec(email, vendor, note))
    return out


def _scores(c: _Checker, top: dict, scale: tuple[int, int] | None, keys: set[str],
            members: dict[str, MemberSpec], vendors: dict[str, int],
            conflicts: set[tuple[str, int]]) -> list[ScoreSpec]:
    out: list[ScoreSpec] = []
    seen: dict[tuple[str, int, str], int] = {}
    emails = {_norm(e): e for e in members}
    for i, item in enumerate(c.array(top, "scores", "$")):
        path = f"$.scores[{i}]"
        obj = c.obj(item, path, ("evaluator", "vendor", "criterion"),
                    ("value", "insufficient_evidence", "rationale", "evidence"))
        if obj is None:
            continue
        email = _reference(c, obj, "evaluator", path, emails, "evaluators")
        vendor = _reference(c, obj, "vendor", path, vendors, "vendors")
        criterion = obj.get("criterion")
        if "criterion" in obj and (not isinstance(criterion, str) or criterion not in keys):
            c.fail(f"{path}.criterion", f"must be one of the criterion keys "
                   f"({', '.join(sorted(keys))}), got "
                   f"{json.dumps(criterion) if isinstance(criterion, str) else _kind(criterion)}")
            criterion = None
        if email is not None and members[email].role not in (MemberRole.EVALUATOR.value, ""):
            c.fail(f"{path}.evaluator", f"{email} takes part as {members[email].role}; only "
                                        "members with the role evaluator score")
            email = None
        abstain = obj.get("insufficient_evidence", False)
        if not isinstance(abstain, bool):
            c.fail(f"{path}.insufficient_evidence", f"must be true or false, got {_kind(abstain)}")
            abstain = None
        value = None
        if "value" in obj:
            value = c.number(obj["value"], f"{path}.value", nullable=True)
            if value is not None and not _on_scale(scale, value):
                c.fail(f"{path}.value", f"{obj['value']!r} is outside the scale "
                                        f"{scale[0]}-{scale[1]}")
                value = None
                abstain = None
        if abstain is True and value is not None:
            c.fail(path, "gives both a value and insufficient_evidence: true; choose one "
                         "(an abstention is \"value\": null)")
            abstain = None
        elif abstain is False and obj.get("value") is None:
            c.fail(f"{path}.value", "give a number on the scale, or null together with "
                                    "\"insufficient_evidence\": true (a missing score is "
                                    "simply left out of the file)")
            abstain = None
        rationale = c.text(obj, "rationale", path, max_len=MAX_RATIONALE) or ""
        evidence = _evidence(c, obj, path)
        if email is None or vendor is None or criterion is None or abstain is None:
            continue
        if (email, vendor) in conflicts:
            c.fail(path, f"{email} declared a conflict of interest with this vendor and "
                         "cannot score it")
            continue
        triple = (email, vendor, criterion)
        if triple in seen:
            c.fail(path, f"duplicate score: $.scores[{seen[triple]}] already scores this "
                         "vendor on this criterion for this evaluator")
            continue
        seen[triple] = i
        out.append(ScoreSpec(email, vendor, criterion, value, abstain, rationale, evidence, path))
    return out


def _evidence(c: _Checker, obj: dict, path: str) -> tuple[tuple[str, int], ...]:
    out: list[tuple[str, int]] = []
    for j, item in enumerate(c.array(obj, "evidence", path)):
        where = f"{path}.evidence[{j}]"
        ref = c.obj(item, where, ("type", "id"))
        if ref is None or "type" not in ref or "id" not in ref:
            continue
        kind, ref_id = ref["type"], ref["id"]
        if kind not in EVIDENCE_TYPES:
            c.fail(f"{where}.type", f"must be \"case_study\" or \"answer\", got "
                                    f"{json.dumps(kind) if isinstance(kind, str) else _kind(kind)}")
        elif isinstance(ref_id, bool) or not isinstance(ref_id, int) or ref_id < 1:
            c.fail(f"{where}.id", f"must be a positive whole number, got {_kind(ref_id)}")
        elif (kind, ref_id) in out:
            c.fail(where, "the same evidence is cited twice")
        else:
            out.append((kind, ref_id))
    return tuple(out)


def _cross_check_with_core(c: _Checker, scale, criteria, vendors, scores, lenses) -> None:
    """Let the scoring core validate the assembled inputs too (a safety net: the checks above
    should have caught everything with a precise path)."""
    try:
        matrix = scoring.build_score_matrix(
            scoring.Scale(*scale),
            [scoring.Criterion(x.key, x.name, x.weight, x.knockout_below) for x in criteria],
            list(range(len(vendors))),
            [scoring.ScoreValue(s.evaluator, s.vendor, s.criterion, s.value)
             for s in scores if s.value is not None],
        )
        scoring.rank_lenses(matrix, [scoring.Lens(x.name, x.weights) for x in lenses])
    except scoring.ScoringError as exc:
        c.fail("$", str(exc))


# --- import -------------------------------------------------------------------------------------


def import_evaluation(session: Session, spec: EvaluationSpec) -> ImportResult:
    """Create the evaluation (with accounts and vendors as needed) in one transaction.

    Raises InterchangeError for what only the database can tell; nothing is written then.
    """
    try:
        return _import(session, spec)
    except BaseException:
        session.rollback()
        raise


def _import(session: Session, spec: EvaluationSpec) -> ImportResult:
    issues: list[Issue] = []
    vendors: list[Vendor | None] = []
    for i, name in enumerate(spec.vendors):
        vendor = _find_vendor(session, name)
        if vendor is not None and vendor.archived:
            issues.append(Issue(f"$.vendors[{i}].name", f"vendor {vendor.name!r} is archived in "
                                "the register; restore it before importing"))
        vendors.append(vendor)
    users = {}
    for i, member in enumerate(spec.evaluators):
        user = user_service.find_by_email(session, member.email)
        if (user is not None and member.role == MemberRole.LEAD
                and user.role not in (Role.LEAD, Role.ADMIN)):
            issues.append(Issue(f"$.evaluators[{i}].role", f"{member.email} is not a procurement "
                                "lead; only leads can lead an evaluation"))
        users[member.email] = user
    for score in spec.scores:
        for j, (kind, ref_id) in enumerate(score.evidence):
            owner = _evidence_owner(session, kind, ref_id)
            vendor = vendors[score.vendor]
            if owner is None or vendor is None or owner != vendor.id:
                issues.append(Issue(f"{score.path}.evidence[{j}]", f"{kind} {ref_id} is not "
                                    f"evidence of {spec.vendors[score.vendor]!r} in the register"))
    if issues:
        raise InterchangeError(issues[:MAX_ISSUES])

    created_vendors = accounts = 0
    for i, name in enumerate(spec.vendors):
        if vendors[i] is None:
            vendors[i] = Vendor(name=name)
            session.add(vendors[i])
            created_vendors += 1
    for member in spec.evaluators:
        if users[member.email] is None:
            users[member.email] = user_service.create_user(
                session, member.email, role=ACCOUNT_ROLE[member.role], password=None,
                name=member.name, commit=False)
            accounts += 1

    evaluation = Evaluation(
        title=spec.title, program_context=spec.program_context, scale_min=spec.scale_min,
        scale_max=spec.scale_max, status=spec.status, context=dict(spec.context),
        relevance_weights=dict(spec.relevance_weights),
    )
    criteria = {}
    for position, x in enumerate(spec.criteria):
        criteria[x.key] = EvaluationCriterion(
            key=x.key, name=x.name, description=x.description, weight=x.weight,
            knockout_below=x.knockout_below, anchors=dict(x.anchors), position=position)
        evaluation.criteria.append(criteria[x.key])
    for lens in spec.lenses:
        evaluation.lenses.append(
            Lens(name=lens.name, description=lens.description, weights=dict(lens.weights)))
    for vendor in vendors:
        evaluation.shortlist.append(ShortlistEntry(vendor=vendor))
    scorers = {s.evaluator for s in spec.scores}
    now = datetime.now(UTC)
    for member in spec.evaluators:
        evaluation.members.append(Membership(
            user=users[member.email], role=member.role,
            submitted_at=now if member.email in scorers else None))
    for x in spec.conflicts:
        evaluation.conflicts.append(
            Conflict(user=users[x.evaluator], vendor=vendors[x.vendor], note=x.note))
    session.add(evaluation)
    session.flush()  # evaluation id for the scores
    for x in spec.scores:
        session.add(Score(
            evaluation_id=evaluation.id, evaluator=users[x.evaluator], vendor=vendors[x.vendor],
            criterion=criteria[x.criterion], value=x.value,
            insufficient_evidence=x.insufficient_evidence, rationale=x.rationale,
            evidence=[{"type": kind, "id": ref} for kind, ref in x.evidence], submitted=True))
    session.commit()
    abstentions = sum(1 for x in spec.scores if x.insufficient_evidence)
    return ImportResult(
        evaluation_id=evaluation.id, vendors_matched=len(vendors) - created_vendors,
        vendors_created=created_vendors, accounts_created=accounts,
        scores=len(spec.scores) - abstentions, abstentions=abstentions)


def _find_vendor(session: Session, name: str) -> Vendor | None:
    """The register's vendor of that name: exact first, else the one case-insensitive match."""
    exact = session.scalar(select(Vendor).where(Vendor.name == name))
    if exact is not None:
        return exact
    candidates = list(session.scalars(
        select(Vendor).where(func.lower(Vendor.name) == name.lower())))
    matches = [v for v in candidates if _norm(v.name) == _norm(name)]
    return matches[0] if len(matches) == 1 else None


def _evidence_owner(session: Session, kind: str, ref_id: int) -> int | None:
    if kind == "case_study":
        return session.scalar(select(CaseStudy.vendor_id).where(CaseStudy.id == ref_id))
    return session.scalar(
        select(Interview.vendor_id)
        .join(InterviewAnswer, InterviewAnswer.interview_id == Interview.id)
        .where(InterviewAnswer.id == ref_id))


# --- export -------------------------------------------------------------------------------------


def _num(value: float | None) -> int | float | None:
    """30.0 -> 30, so exported weights and values read as they were typed."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else float(value)


def _load(session: Session, evaluation_id: int) -> Evaluation:
    evaluation = evaluation_service.load_detail(session, evaluation_id)
    if evaluation is None:
        raise EvaluationNotFound(evaluation_id)
    return evaluation


def export_document(session: Session, evaluation_id: int) -> dict[str, Any]:
    """The evaluation as an interchange document: submitted scores only, canonical order.

    A decided evaluation exports as "review": the decision record is not part of the format.
    """
    evaluation = _load(session, evaluation_id)
    criteria = list(evaluation.criteria)
    key_of = {c.id: c.key for c in criteria}
    position = {c.id: i for i, c in enumerate(criteria)}
    vendor_pos = {e.vendor_id: i for i, e in enumerate(evaluation.shortlist)}
    member_pos = {m.user_id: i for i, m in enumerate(evaluation.members)}
    names = {e.vendor_id: e.vendor.name for e in evaluation.shortlist}
    emails = {m.user_id: m.user.email for m in evaluation.members}
    scores = sorted(
        (s for s in analysis_service.submitted_scores(session, evaluation.id)
         if s.vendor_id in vendor_pos and s.evaluator_id in member_pos
         and s.criterion_id in key_of),
        key=lambda s: (member_pos[s.evaluator_id], vendor_pos[s.vendor_id],
                       position[s.criterion_id]))
    order = [c.key for c in criteria]
    status = Status.REVIEW.value if evaluation.status == Status.DECIDED else evaluation.status
    return {
        "format": FORMAT,
        "title": evaluation.title,
        "program_context": evaluation.program_context or "",
        "context": dict(evaluation.context or {}),
        "relevance_weights": dict(evaluation.relevance_weights or {}),
        "status": status,
        "scale": {"min": evaluation.scale_min, "max": evaluation.scale_max},
        "criteria": [
            {"key": c.key, "name": c.name, "weight": _num(c.weight),
             "knockout_below": _num(c.knockout_below), "description": c.description or "",
             "anchors": {k: c.anchors[k] for k in sorted(c.anchors or {}, key=_level)}}
            for c in criteria
        ],
        "vendors": [{"name": e.vendor.name} for e in evaluation.shortlist],
        "evaluators": [
            {"email": m.user.email, "name": m.user.name or "", "role": m.role}
            for m in evaluation.members
        ],
        "scores": [
            {"evaluator": emails[s.evaluator_id], "vendor": names[s.vendor_id],
             "criterion": key_of[s.criterion_id],
             "value": None if s.insufficient_evidence else _num(s.value),
             "insufficient_evidence": bool(s.insufficient_evidence),
             "rationale": s.rationale or "",
             "evidence": [{"type": e["type"], "id": e["id"]} for e in (s.evidence or [])]}
            for s in scores
        ],
        "lenses": [
            {"name": lens.name, "description": lens.description or "",
             "weights": {k: _num(lens.weights[k]) for k in order if k in lens.weights}}
            for lens in evaluation.lenses
        ],
        "conflicts": sorted(
            ({"evaluator": emails[x.user_id], "vendor": names[x.vendor_id], "note": x.note or ""}
             for x in evaluation.conflicts if x.user_id in emails and x.vendor_id in names),
            key=lambda x: (x["evaluator"], x["vendor"])),
    }


def _level(key: str) -> tuple[int, str]:
    return (int(key), key) if key.lstrip("-").isdigit() else (1 << 30, key)
