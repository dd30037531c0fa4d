"""JSON request bodies of the API -> the same validated records the forms and CSV imports build.

The limits and value rules are the CSV import's (dossier_import.VENDOR_COLUMNS and
CASE_STUDY_COLUMNS parse the string cells here too), so a vendor is valid through the API
exactly when it would be valid in a spreadsheet row. JSON adds types: numbers must be JSON
numbers, lists JSON arrays of objects. Unknown fields are refused (a misspelt field is an error,
not silently ignored), and every problem is reported at once with its JSON path.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..models import CaseStudy, Certification, Integration, Vendor, VendorContact
from ..services import csv_io
from ..services.dossier import CASE_STUDY_FIELDS, CaseStudyData
from ..services.dossier_import import CASE_STUDY_COLUMNS, MAX_TEXT, VENDOR_COLUMNS
from ..services.json_check import JsonChecker
from ..services.outcome_import import MAX_FEATURES, OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from ..services.vendors import (
    INTEGRATION_KINDS,
    LIST_FIELDS,
    SCALAR_FIELDS,
    CertificationData,
    ContactData,
    IntegrationData,
    VendorData,
    max_len,
)


@dataclass(frozen=True)
class FieldError:
    field: str  # JSON path, e.g. "contacts[0].email"; "" for the whole body
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class PayloadError(ValueError):
    """The body was refused; ``errors`` lists every problem."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.field or 'body'}: {e.message}" for e in errors))


_VENDOR_PARSERS = {c.name: c.parse for c in VENDOR_COLUMNS}
_CASE_PARSERS = {c.name: c.parse for c in CASE_STUDY_COLUMNS}
_INTEGER_FIELDS = {"headcount": (0, 10_000_000), "year": (1950, 2100)}
_NUMBER_FIELDS = {"planned_months": 1200.0, "actual_months": 1200.0,
                  "planned_budget": 1e15, "actual_budget": 1e15}


class _Checker(JsonChecker):
    """The shared JSON rules (services/json_check.py); in API bodies null means empty text."""

    def text(self, value: Any, path: str, max_len: int, *, required: bool = False
             ) -> str | None:
        if value is None and not required:
            return ""
        return super().text(value, path, max_len, required=required)

    def parsed(self, value: Any, path: str, parser, max_length: int = MAX_TEXT) -> Any:
        """A string value through a CSV cell parser (URL, email, date, choice rules)."""
        text = self.text(value, path, max_length)
        if text is None:
            return None
        try:
            return parser(text)
        except ValueError as exc:
            self.fail(path, str(exc))
            return None

    def fields(self, value: Any, path: str, allowed: set[str], required: tuple[str, ...] = ()
               ) -> dict | None:
        """An object with keys from `allowed`, `required` among them."""
        return self.obj(value, path, required, sorted(allowed - set(required)))

    def raise_if_failed(self) -> None:
        if self.problems:
            raise PayloadError([FieldError(path, message) for path, message in self.problems])


# ---------------------------------------------------------------------------------- vendors


def _contacts(c: _Checker, value: Any, path: str) -> tuple[ContactData, ...]:
    out = []
    for i, item in enumerate(c.array(value, path)):
        where = f"{path}[{i}]"
        item = c.fields(item, where, {"name", "email", "phone", "title"}, ("name",))
        if item is None:
            continue
        name = c.text(item.get("name"), f"{where}.name", max_len(VendorContact, "name"),
                      required=True)
        email = c.parsed(item.get("email"), f"{where}.email",
                         csv_io.email(max_len(VendorContact, "email")))
        phone = c.text(item.get("phone"), f"{where}.phone", max_len(VendorContact, "phone"))
        title = c.text(item.get("title"), f"{where}.title", max_len(VendorContact, "title"))
        if None not in (name, email, phone, title):
            out.append(ContactData(name, email, phone, title))
    return tuple(out)


def _certifications(c: _Checker, value: Any, path: str) -> tuple[CertificationData, ...]:
    out = []
    for i, item in enumerate(c.array(value, path)):
        where = f"{path}[{i}]"
        item = c.fields(item, where, {"name", "expires_on", "issuer"}, ("name",))
        if item is None:
            continue
        name = c.text(item.get("name"), f"{where}.name", max_len(Certification, "name"),
                      required=True)
        issuer = c.text(item.get("issuer"), f"{where}.issuer", max_len(Certification, "issuer"))
        before = len(c.problems)
        expires = c.parsed(item.get("expires_on"), f"{where}.expires_on", csv_io.iso_date, 10)
        if name is not None and issuer is not None and len(c.problems) == before:
            out.append(CertificationData(name, expires, issuer))
    return tuple(out)


def _integrations(c: _Checker, value: Any, path: str) -> tuple[IntegrationData, ...]:
    out = []
    for i, item in enumerate(c.array(value, path)):
        where = f"{path}[{i}]"
        item = c.fields(item, where, {"kind", "product", "notes"}, ("kind",))
        if item is None:
            continue
        kind = c.parsed(item.get("kind"), f"{where}.kind",
                        csv_io.choice(INTEGRATION_KINDS, allow_empty=False), 40)
        product = c.text(item.get("product"), f"{where}.product",
                         max_len(Integration, "product"))
        notes = c.text(item.get("notes"), f"{where}.notes", MAX_TEXT)
        if None not in (kind, product, notes):
            out.append(IntegrationData(kind, product, notes))
    return tuple(out)


def vendor_fields(body: Any, *, partial: bool) -> dict[str, Any]:
    """Validated vendor fields present in ``body`` (all of them required-checked unless partial).

    Raises PayloadError naming every bad field.
    """
    c = _Checker()
    allowed = set(SCALAR_FIELDS) | set(LIST_FIELDS)
    body = c.fields(body, "", allowed, () if partial else ("name",))
    if body is None:
        c.raise_if_failed()
    out: dict[str, Any] = {}
    for key, value in body.items():
        if key not in allowed:
            continue
        before = len(c.problems)
        if key == "name":
            parsed = c.text(value, key, max_len_of("name"), required=True)
        elif key in _INTEGER_FIELDS:
            parsed = c.integer(value, key, *_INTEGER_FIELDS[key])
        elif key == "contacts":
            parsed = _contacts(c, value, key)
        elif key == "certifications":
            parsed = _certifications(c, value, key)
        elif key == "integrations":
            parsed = _integrations(c, value, key)
        else:
            parsed = c.parsed(value, key, _VENDOR_PARSERS[key])
        if len(c.problems) == before:
            out[key] = parsed
    c.raise_if_failed()
    return out


def max_len_of(column: str) -> int:
    return max_len(Vendor, column)


def vendor_record(fields: dict[str, Any], base: VendorData | None = None) -> VendorData:
    """A full VendorData: the given fields over ``base`` (the saved vendor) or the defaults."""
    if base is None:
        return VendorData(**fields)
    return replace(base, **fields)


# ----------------------------------------------------------------------------- case studies


def case_study_fields(body: Any, *, partial: bool) -> dict[str, Any]:
    c = _Checker()
    allowed = set(CASE_STUDY_FIELDS)
    body = c.fields(body, "", allowed, () if partial else ("title",))
    if body is None:
        c.raise_if_failed()
    out: dict[str, Any] = {}
    for key, value in body.items():
        if key not in allowed:
            continue
        before = len(c.problems)
        if key == "title":
            parsed = c.text(value, key, max_len(CaseStudy, "title"), required=True)
        elif key in _INTEGER_FIELDS:
            parsed = c.integer(value, key, *_INTEGER_FIELDS[key])
        elif key in _NUMBER_FIELDS:
            parsed = c.number(value, key, nullable=True, low=0, high=_NUMBER_FIELDS[key])
        else:
            parsed = c.parsed(value, key, _CASE_PARSERS[key])
        if len(c.problems) == before:
            out[key] = parsed
    c.raise_if_failed()
    return out


def case_study_record(fields: dict[str, Any], base: CaseStudyData | None = None
                      ) -> CaseStudyData:
    if base is None:
        return CaseStudyData(**fields)
    return replace(base, **fields)


# --------------------------------------------------------------------------------- decision


@dataclass(frozen=True)
class DecisionInput:
    vendor_id: int
    rationale: str
    dissent: str


def decision_input(body: Any) -> DecisionInput:
    c = _Checker()
    body = c.fields(body, "", {"vendor_id", "rationale", "dissent"}, ("vendor_id", "rationale"))
    if body is None:
        c.raise_if_failed()
    vendor_id = c.integer(body.get("vendor_id"), "vendor_id", 1, 2**31 - 1)
    if "vendor_id" in body and body["vendor_id"] is None:
        c.fail("vendor_id", "is required")
    rationale = c.text(body.get("rationale"), "rationale", MAX_TEXT, required=True)
    dissent = c.text(body.get("dissent"), "dissent", MAX_TEXT)
    c.raise_if_failed()
    return DecisionInput(vendor_id, rationale, dissent)


# ---------------------------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class OutcomeInput:
    vendor: str
    program: str
    success: bool
    year: int | None
    on_time: bool | None
    on_budget: bool | None
    notes: str
    features: dict[str, float]


RESERVED_OUTCOME_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS  # the outcome CSV's own columns


def outcome_input(body: Any) -> OutcomeInput:
    c = _Checker()
    body = c.fields(body, "", set(RESERVED_OUTCOME_COLUMNS) | {"features"}, REQUIRED_COLUMNS)
    if body is None:
        c.raise_if_failed()
    vendor = c.text(body.get("vendor"), "vendor", 200, required=True)
    program = c.text(body.get("program"), "program", 200, required=True)
    success = c.boolean(body.get("success"), "success", nullable=False)
    year = c.integer(body.get("year"), "year", 1950, 2100)
    on_time = c.boolean(body.get("on_time"), "on_time", nullable=True)
    on_budget = c.boolean(body.get("on_budget"), "on_budget", nullable=True)
    notes = c.text(body.get("notes"), "notes", MAX_TEXT)
    features: dict[str, float] = {}
    raw = body.get("features", {})
    if not isinstance(raw, dict):
        c.fail("features", "must be a JSON object of name: number")
    elif len(raw) > MAX_FEATURES:
        c.fail("features", f"at most {MAX_FEATURES} features")
    else:
        for name, value in raw.items():
            where = f"features.{name}"
            key = name.strip().lower()
            if not key or len(key) > 60 or not key.isprintable() or "\x00" in key:
                c.fail(where, "a feature name has 1-60 printable characters")
            elif key in RESERVED_OUTCOME_COLUMNS:
                c.fail(where, "this name is a column of its own, not a feature")
            elif key in features:
                c.fail(where, "appears twice (names are compared ignoring case)")
            elif (number := c.number(value, where)) is not None:
                features[key] = number
    c.raise_if_failed()
    return OutcomeInput(vendor, program, bool(success), year, on_time, on_budget, notes,
                        features)
