"""Validation of an interchange document: JSON value -> EvaluationSpec, or InterchangeError
listing every problem with its JSON path.

Over 400 lines on purpose: one checker walks the whole document, and its cross-references
(scores naming listed evaluators, vendors and criteria; lens weights naming criteria; values on
the file's own scale) read best side by side. It is hand-written rather than a JSON Schema
because a schema cannot express those cross-references and its messages must read well in a
terminal."""

from __future__ import annotations

import json
from typing import Any

from ... import scoring
from ...models import (
    MemberRole,
    Status,
)
from ...scoring.relevance import facet_weights
from .. import limits
from .. import users as user_service
from ..json_check import JsonChecker, at
from ..json_check import kind as _kind
from .document import (
    _EMAIL,
    DEFAULT_STATUS,
    EVIDENCE_TYPES,
    FORMAT,
    FORMAT_PREFIX,
    IMPORTABLE_STATUSES,
    MAX_ISSUES,
    MAX_RATIONALE,
    MAX_TEXT,
    ConflictSpec,
    CriterionSpec,
    EvaluationSpec,
    InterchangeError,
    Issue,
    LensSpec,
    MemberSpec,
    ScoreSpec,
    load_json,
)

# --- validation ---------------------------------------------------------------------------------


def _norm(text: str) -> str:
    """Matching form of a vendor name or email: trimmed, case-insensitive."""
    return text.strip().casefold()


class _Checker(JsonChecker):
    """The shared JSON rules (services/json_check.py), reporting Issues, read field by field."""

    def __init__(self) -> None:
        super().__init__(max_problems=MAX_ISSUES)

    @property
    def issues(self) -> list[Issue]:
        return [Issue(where, reason) for where, reason in self.problems]

    def field_array(self, obj: dict, key: str, path: str, max_items: int | None = None
                    ) -> list:
        """obj[key] as a list (of at most max_items); [] when absent."""
        return self.array(obj[key], at(path, key), max_items) if key in obj else []

    def field_text(self, obj: dict, key: str, path: str, *, max_len: int,
                   required: bool = False, default: str = "") -> str | None:
        """obj[key] as trimmed text; `default` when absent and optional."""
        if key not in obj:
            return None if required else default
        return self.text(obj[key], at(path, key), max_len, required=required)


def parse_document(raw: bytes | str) -> EvaluationSpec:
    """Read and validate a whole document; raises InterchangeError listing every problem."""
    if len(raw) > limits.MAX_INTERCHANGE_BYTES:
        raise InterchangeError([Issue("$", f"the file is larger than "
                                           f"{limits.MAX_INTERCHANGE_BYTES // (1024 * 1024)} MB")])
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

    title = c.field_text(top, "title", "$", max_len=200, required=True)
    program_context = c.field_text(top, "program_context", "$", max_len=MAX_TEXT) or ""
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
        if number is not None and abs(number) > limits.MAX_SCALE_BOUND:
            c.fail(f"$.scale.{key}", f"must lie between -{limits.MAX_SCALE_BOUND} and "
                                     f"{limits.MAX_SCALE_BOUND}, got {obj[key]!r}")
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
    items = c.field_array(top, "criteria", "$", limits.MAX_CRITERIA)
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
        key = c.field_text(obj, "key", path, max_len=60, required=True)
        name = c.field_text(obj, "name", path, max_len=200, required=True)
        description = c.field_text(obj, "description", path, max_len=MAX_TEXT) or ""
        weight = c.number(obj["weight"], f"{path}.weight") if "weight" in obj else None
        if weight is not None and weight < 0:
            c.fail(f"{path}.weight", f"must not be negative, got {obj['weight']!r}")
            weight = None
        elif weight is not None and weight > limits.MAX_WEIGHT:
            c.fail(f"{path}.weight", f"must be at most {limits.MAX_WEIGHT:g}, got "
                                     f"{obj['weight']!r}")
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
        c.fail(at(where, key), "appears twice in the same object")
    out = {}
    for level, text in value.items():
        spot = at(where, level)
        try:
            number = int(level)
        except ValueError:
            c.fail(spot, "anchor keys must be whole scale levels such as \"1\"")
            continue
        if str(number) != level or not _on_scale(scale, number):
            c.fail(spot, f"is not a level of the scale {scale[0]}-{scale[1]}" if scale
                   else "anchor keys must be whole scale levels such as \"1\"")
            continue
        if not isinstance(text, str):
            c.fail(spot, f"must be a string, got {_kind(text)}")
            continue
        if len(text) > MAX_TEXT:
            c.fail(spot, f"is longer than {MAX_TEXT} characters")
            continue
        if limits.control_character(text):
            c.fail(spot, f"contains the control character {limits.control_character(text)}")
            continue
        out[level] = text.strip()
    return out


def _vendors(c: _Checker, top: dict) -> tuple[list[str], dict[str, int]]:
    names: list[str] = []
    index: dict[str, int] = {}
    for i, item in enumerate(c.field_array(top, "vendors", "$", limits.MAX_SHORTLIST)):
        path = f"$.vendors[{i}]"
        obj = c.obj(item, path, ("name",))
        name = c.field_text(obj, "name", path, max_len=200, required=True) if obj else None
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
    for i, item in enumerate(c.field_array(top, "evaluators", "$", limits.MAX_MEMBERS)):
        path = f"$.evaluators[{i}]"
        obj = c.obj(item, path, ("email",), ("name", "role"))
        if obj is None:
            continue
        email = c.field_text(obj, "email", path, max_len=254, required=True)
        name = c.field_text(obj, "name", path, max_len=120) or ""
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
        c.fail(at(path, key), f"must be a string, got {_kind(value)}")
        return None
    found = known.get(_norm(value))
    if found is None:
        c.fail(at(path, key), f"{value!r} is not one of the file's {what}")
    return found


def _lenses(c: _Checker, top: dict, criteria: list[CriterionSpec]) -> list[LensSpec]:
    keys = [cr.key for cr in criteria]
    out: list[LensSpec] = []
    seen = {scoring.BASE_PROFILE}
    for i, item in enumerate(c.field_array(top, "lenses", "$", limits.MAX_LENSES)):
        path = f"$.lenses[{i}]"
        obj = c.obj(item, path, ("name", "weights"), ("description",))
        if obj is None:
            continue
        name = c.field_text(obj, "name", path, max_len=80, required=True)
        description = c.field_text(obj, "description", path, max_len=MAX_TEXT) or ""
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
            where = at(f"{path}.weights", key)
            if key not in keys:
                c.fail(where, f"unknown criterion {key!r} (criteria: {', '.join(keys)})")
                ok = False
                continue
            number = c.number(value, where)
            if number is not None and number < 0:
                c.fail(where, f"must not be negative, got {value!r}")
                number = None
            elif number is not None and number > limits.MAX_WEIGHT:
                c.fail(where, f"must be at most {limits.MAX_WEIGHT:g}, got {value!r}")
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
            c.fail(at(f"{path}.weights", key), "appears twice in the same object")
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
    for i, item in enumerate(c.field_array(top, "conflicts", "$")):
        path = f"$.conflicts[{i}]"
        obj = c.obj(item, path, ("evaluator", "vendor"), ("note",))
        if obj is None:
            continue
        email = _reference(c, obj, "evaluator", path, emails, "evaluators")
        vendor = _reference(c, obj, "vendor", path, vendors, "vendors")
        note = c.field_text(obj, "note", path, max_len=MAX_TEXT) or ""
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
    for i, item in enumerate(c.field_array(top, "scores", "$")):
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
        rationale = c.field_text(obj, "rationale", path, max_len=MAX_RATIONALE) or ""
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
    for j, item in enumerate(c.field_array(obj, "evidence", path)):
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
