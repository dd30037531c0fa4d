"""CSV import and export of vendors and case studies (format: docs/formats.md).

An import is all-or-nothing: the whole file is parsed and checked first, every bad cell is
reported with its line and column, and only a clean file is written, in one transaction. Rows
match existing records on a natural key (vendor name, ignoring case; case study: vendor + title),
so importing the same file twice changes nothing the second time. A column missing from the file
leaves that field of existing records untouched.

Over 400 lines on purpose: the column rules, the checking pass and the writing pass of both
kinds (vendors, case studies) must agree cell for cell, and read best side by side.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from ..models import CaseStudy, Certification, Integration, Vendor, VendorContact
from ..scoring.relevance import ORG_SIZES
from . import csv_io, limits
from .csv_io import CellError, Column, CsvFileError, CsvRowsError, Row
from .dossier import (
    CASE_STUDY_FIELDS,
    OUTCOMES,
    CaseStudyData,
    apply_case_study_data,
    case_study_changes,
)
from .uow import transaction
from .vendors import (
    INTEGRATION_KINDS,
    CertificationData,
    ContactData,
    IntegrationData,
    VendorData,
    VendorFilter,
    apply_vendor_data,
    changed_fields,
    filtered_statement,
    max_len,
)

MAX_TEXT = limits.MAX_TEXT  # characters in a free-text cell (description, narrative)
KINDS = ("vendors", "case-studies")


class ImportRejected(ValueError):
    """Nothing was written. ``errors``: every bad cell; ``message``: a file-level problem."""

    def __init__(self, message: str, errors: Iterable[CellError] = ()):
        self.errors = sorted(errors)
        self.message = message
        super().__init__(message)


# -------------------------------------------------------------------------------- columns


def _contacts(raw: str) -> tuple[ContactData, ...]:
    out = []
    email = csv_io.email(max_len(VendorContact, "email"))
    for entry in csv_io.decode_list(raw):
        name, mail, phone, title = (entry + ["", "", "", ""])[:4]
        if len(entry) > 4:
            raise ValueError(f"contact {name!r} has more than 4 parts (name|email|phone|title)")
        if not name:
            raise ValueError("every contact needs a name (name|email|phone|title)")
        for label, value, column in (("name", name, "name"), ("phone", phone, "phone"),
                                     ("title", title, "title")):
            limit = max_len(VendorContact, column)
            if len(value) > limit:
                raise ValueError(f"contact {label} {value[:30]!r}... is longer than {limit}")
        try:
            email(mail)
        except ValueError as exc:
            raise ValueError(f"contact {name!r}: {exc}") from None
        out.append(ContactData(name, mail, phone, title))
    return tuple(out)


def _certifications(raw: str) -> tuple[CertificationData, ...]:
    out = []
    for entry in csv_io.decode_list(raw):
        name, expires, issuer = (entry + ["", "", ""])[:3]
        if len(entry) > 3:
            raise ValueError(f"certification {name!r} has more than 3 parts "
                             "(name|expires YYYY-MM-DD|issuer)")
        if not name:
            raise ValueError("every certification needs a name (name|expires|issuer)")
        if len(name) > max_len(Certification, "name") or len(issuer) > max_len(
                Certification, "issuer"):
            raise ValueError(f"certification {name[:30]!r}: name or issuer is too long")
        try:
            expires_on = csv_io.iso_date(expires)
        except ValueError as exc:
            raise ValueError(f"certification {name!r}: expiry {exc}") from None
        out.append(CertificationData(name, expires_on, issuer))
    return tuple(out)


def _integrations(raw: str) -> tuple[IntegrationData, ...]:
    out = []
    kind_of = csv_io.choice(INTEGRATION_KINDS, allow_empty=False)
    for entry in csv_io.decode_list(raw):
        kind, product, notes = (entry + ["", "", ""])[:3]
        if len(entry) > 3:
            raise ValueError(f"integration {kind!r} has more than 3 parts (kind|product|notes)")
        try:
            kind = kind_of(kind)
        except ValueError as exc:
            raise ValueError(f"integration kind {exc}") from None
        if len(product) > max_len(Integration, "product") or len(notes) > MAX_TEXT:
            raise ValueError(f"integration {product[:30]!r}: product or notes too long")
        out.append(IntegrationData(kind, product, notes))
    return tuple(out)


VENDOR_COLUMNS = (
    Column("name", csv_io.text(max_len(Vendor, "name")), required=True,
           help="Vendor name; the natural key (matched ignoring case)."),
    Column("country", csv_io.text(max_len(Vendor, "country"))),
    Column("sector", csv_io.text(max_len(Vendor, "sector"))),
    Column("website", csv_io.url(max_len(Vendor, "website")), help="http:// or https:// address"),
    Column("headcount", csv_io.integer(0, 10_000_000), help="Whole number of staff."),
    Column("regions", csv_io.text(max_len(Vendor, "regions")), help="Comma-separated."),
    Column("data_residency", csv_io.text(max_len(Vendor, "data_residency")),
           help="Comma-separated."),
    Column("description", csv_io.text(MAX_TEXT)),
    Column("contacts", _contacts, help="name|email|phone|title; ..."),
    Column("certifications", _certifications, help="name|expires YYYY-MM-DD|issuer; ..."),
    Column("integrations", _integrations, help="kind|product|notes; ..."),
)

CASE_STUDY_COLUMNS = (
    Column("vendor", csv_io.text(max_len(Vendor, "name")), required=True,
           help="Name of a vendor in the register."),
    Column("title", csv_io.text(max_len(CaseStudy, "title")), required=True),
    Column("year", csv_io.integer(1950, 2100)),
    Column("client_sector", csv_io.text(max_len(CaseStudy, "client_sector"))),
    Column("org_size", csv_io.choice(ORG_SIZES)),
    Column("regulatory_regime", csv_io.text(max_len(CaseStudy, "regulatory_regime"))),
    Column("planned_months", csv_io.number(1200)),
    Column("actual_months", csv_io.number(1200)),
    Column("planned_budget", csv_io.number()),
    Column("actual_budget", csv_io.number()),
    Column("outcome", csv_io.choice(OUTCOMES)),
    Column("summary", csv_io.text(MAX_TEXT)),
    Column("setbacks", csv_io.text(MAX_TEXT)),
    Column("response", csv_io.text(MAX_TEXT)),
    Column("lessons", csv_io.text(MAX_TEXT)),
    Column("reference_name", csv_io.text(max_len(CaseStudy, "reference_name"))),
    Column("reference_email", csv_io.email(max_len(CaseStudy, "reference_email"))),
)

COLUMNS = {"vendors": VENDOR_COLUMNS, "case-studies": CASE_STUDY_COLUMNS}


# ---------------------------------------------------------------------------------- plans


@dataclass
class RowPlan:
    line: int
    key: str  # vendor name, or "vendor / title"
    action: str  # create, update, unchanged
    changes: list[str] = field(default_factory=list)
    archived: bool = False


@dataclass
class ImportPlan:
    kind: str
    columns: tuple[str, ...]
    rows: list[RowPlan]

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def created(self) -> int:
        return self.count("create")

    @property
    def updated(self) -> int:
        return self.count("update")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    def summary(self) -> str:
        noun = "vendor" if self.kind == "vendors" else "case stud"
        plural = {"vendor": "vendors", "case stud": "case studies"}[noun]
        single = {"vendor": "vendor", "case stud": "case study"}[noun]
        total = len(self.rows)
        return (f"{total} {single if total == 1 else plural}: {self.created} new, "
                f"{self.updated} updated, {self.unchanged} unchanged")


def _read(kind: str, data: bytes, encoding: str) -> tuple[csv_io.Table, list[CellError]]:
    """The table and its cell errors; rows keep the cells that parsed, for the key checks."""
    if kind not in COLUMNS:
        raise ImportRejected(f"Unknown import kind {kind!r}.")
    try:
        return csv_io.read_table(data, COLUMNS[kind], encoding), []
    except CsvFileError as exc:
        raise ImportRejected(str(exc)) from None
    except CsvRowsError as exc:
        return exc.table, list(exc.errors)


def _reject_if(errors: list[CellError]) -> None:
    if errors:
        raise ImportRejected(_rows_message(errors), errors)


def _rows_message(errors: list[CellError]) -> str:
    lines = sorted({e.line for e in errors})
    return (f"Nothing was imported: {len(errors)} problem(s) on {len(lines)} row(s). "
            "Fix them in the file and import it again.")


def _duplicates(rows: list[Row], key, needs: tuple[str, ...]) -> list[CellError]:
    first: dict = {}
    errors = []
    for row in rows:
        if not all(n in row.values for n in needs):
            continue  # the key cell itself is bad and already reported
        k, column = key(row)
        if k in first:
            errors.append(CellError(row.line, column,
                                    f"duplicates line {first[k]} (each record may appear once)"))
        else:
            first[k] = row.line
    return errors


def _vendor_record(row: Row) -> VendorData:
    # Parsers give "" for empty text cells and None for empty numbers, as the models expect.
    return VendorData(**row.values)


def _vendors_by_lower_name(session: Session, names: Iterable[str]) -> dict[str, Vendor]:
    """Existing vendors keyed by lower-cased name, children loaded (chunked IN queries)."""
    wanted = sorted({n.lower() for n in names})
    out: dict[str, Vendor] = {}
    for i in range(0, len(wanted), 500):
        chunk = wanted[i:i + 500]
        for vendor in session.scalars(
            select(Vendor).where(func.lower(Vendor.name).in_(chunk)).options(
                selectinload(Vendor.contacts), selectinload(Vendor.certifications),
                selectinload(Vendor.integrations),
            )
        ):
            out[vendor.name.lower()] = vendor
    return out


def _plan_vendors(session: Session, data: bytes, encoding: str):
    table, errors = _read("vendors", data, encoding)
    errors += _duplicates(table.rows, lambda r: (str(r.values["name"]).lower(), "name"),
                          ("name",))
    _reject_if(errors)
    present = frozenset(table.columns)
    existing = _vendors_by_lower_name(session, (str(r.values["name"]) for r in table.rows))
    plan = ImportPlan("vendors", table.columns, [])
    work = []
    for row in table.rows:
        record = _vendor_record(row)
        vendor = existing.get(record.name.lower())
        if vendor is None:
            plan.rows.append(RowPlan(row.line, record.name, "create"))
        else:
            # The name column matches ignoring case; a change of case is an update.
            changes = changed_fields(vendor, record, present)
            plan.rows.append(RowPlan(row.line, vendor.name, "update" if changes else "unchanged",
                                     changes, archived=vendor.archived))
        work.append((record, vendor))
    return plan, work, present


def _plan_case_studies(session: Session, data: bytes, encoding: str):
    table, errors = _read("case-studies", data, encoding)
    errors += _duplicates(table.rows, lambda r: ((str(r.values["vendor"]).lower(),
                                                  r.values["title"]), "title"),
                          ("vendor", "title"))
    named = [r for r in table.rows if "vendor" in r.values]
    vendors = _vendors_by_lower_name(session, (str(r.values["vendor"]) for r in named))
    errors += [CellError(r.line, "vendor", f"no vendor named {r.values['vendor']!r} in the "
                                           "register (import or add the vendor first)")
               for r in named if str(r.values["vendor"]).lower() not in vendors]
    _reject_if(errors)
    existing: dict[tuple[int, str], CaseStudy] = {}
    ids = [v.id for v in vendors.values()]
    for i in range(0, len(ids), 500):
        for cs in session.scalars(select(CaseStudy).where(
                CaseStudy.vendor_id.in_(ids[i:i + 500]))):
            existing[(cs.vendor_id, cs.title)] = cs
    present = frozenset(table.columns) & set(CASE_STUDY_FIELDS)
    plan = ImportPlan("case-studies", table.columns, [])
    work = []
    for row in table.rows:
        vendor = vendors[str(row.values["vendor"]).lower()]
        record = CaseStudyData(**{k: v for k, v in row.values.items() if k in CASE_STUDY_FIELDS})
        cs = existing.get((vendor.id, record.title))
        key = f"{vendor.name} / {record.title}"
        if cs is None:
            plan.rows.append(RowPlan(row.line, key, "create"))
        else:
            changes = case_study_changes(cs, record, present)
            plan.rows.append(RowPlan(row.line, key, "update" if changes else "unchanged",
                                     changes))
        work.append((record, vendor, cs))
    return plan, work, present


def preview_import(session: Session, kind: str, data: bytes, encoding: str = "utf-8"
                   ) -> ImportPlan:
    """What importing the file would do; writes nothing. Raises ImportRejected."""
    if kind not in KINDS:
        raise ImportRejected(f"Unknown import kind {kind!r}.")
    planner = _plan_vendors if kind == "vendors" else _plan_case_studies
    plan, _work, _present = planner(session, data, encoding)
    session.rollback()  # release the read transaction; nothing was changed
    return plan


@transaction
def run_import(session: Session, kind: str, data: bytes, encoding: str = "utf-8"
               ) -> ImportPlan:
    """Import the file in one transaction, or raise ImportRejected having written nothing."""
    if kind not in KINDS:
        raise ImportRejected(f"Unknown import kind {kind!r}.")
    if kind == "vendors":
        plan, work, present = _plan_vendors(session, data, encoding)
        new = []
        for record, vendor in work:
            if vendor is None:
                vendor = Vendor()
                apply_vendor_data(vendor, record, present | {"name"})
                new.append(vendor)
            else:
                apply_vendor_data(vendor, record, present)
        session.add_all(new)
    else:
        plan, work, present = _plan_case_studies(session, data, encoding)
        for record, vendor, cs in work:
            if cs is None:
                cs = CaseStudy(vendor_id=vendor.id)
                apply_case_study_data(cs, record, present | {"title"})
                session.add(cs)
            else:
                apply_case_study_data(cs, record, present)
    try:
        session.flush()
    except IntegrityError:
        raise ImportRejected(
            "Nothing was imported: another user added some of these records at the same "
            "time. Import the file again."
        ) from None
    return plan


# ------------------------------------------------------------------ preview -> confirm token

#: How long a previewed upload can be confirmed, in seconds.
UPLOAD_TOKEN_MAX_AGE = 3600


def seal_upload(secret: str, user_id: int, kind: str, encoding: str, data: bytes) -> str:
    """The uploaded file, compressed and signed, to carry from the preview to the confirm step.

    Why a signed token rather than a temporary file: nothing is left on the server if the user
    walks away, and the token cannot be altered or confirmed by another user (the user id is in
    the signed payload) or after UPLOAD_TOKEN_MAX_AGE.
    """
    header = json.dumps({"u": user_id, "k": kind, "e": encoding}, separators=(",", ":"))
    body = base64.urlsafe_b64encode(zlib.compress(data, 6)).decode()
    payload = base64.urlsafe_b64encode(header.encode()).decode() + "." + body
    return TimestampSigner(secret, salt="dossier-import").sign(payload).decode()


def open_upload(secret: str, token: str, user_id: int) -> tuple[str, str, bytes]:
    """(kind, encoding, data) from seal_upload's token; ImportRejected when it is not valid."""
    signer = TimestampSigner(secret, salt="dossier-import")
    try:
        payload = signer.unsign(token, max_age=UPLOAD_TOKEN_MAX_AGE).decode()
        head, body = payload.split(".", 1)
        header = json.loads(base64.urlsafe_b64decode(head))
        data = zlib.decompress(base64.urlsafe_b64decode(body))
    except SignatureExpired:
        raise ImportRejected("The preview expired. Upload the file again.") from None
    except (BadSignature, ValueError, zlib.error):
        raise ImportRejected("The upload could not be verified. Upload the file again.") from None
    if header.get("u") != user_id or header.get("k") not in KINDS:
        raise ImportRejected("The upload could not be verified. Upload the file again.")
    return header["k"], header["e"], data


# --------------------------------------------------------------------------------- export


def _vendor_cells(vendor: Vendor) -> list[object]:
    return [
        vendor.name, vendor.country, vendor.sector, vendor.website, vendor.headcount,
        vendor.regions, vendor.data_residency, vendor.description,
        csv_io.encode_list((c.name, c.email, c.phone, c.title) for c in vendor.contacts),
        csv_io.encode_list((c.name, c.expires_on.isoformat() if c.expires_on else "", c.issuer)
                           for c in vendor.certifications),
        csv_io.encode_list((i.kind, i.product, i.notes) for i in vendor.integrations),
    ]


def export_vendors(session: Session, flt: VendorFilter | None = None) -> str:
    """The register (as filtered on the list page) as CSV text in the import format."""
    stmt = filtered_statement(flt or VendorFilter()).options(
        selectinload(Vendor.contacts), selectinload(Vendor.certifications),
        selectinload(Vendor.integrations),
    ).order_by(Vendor.name)
    header = [c.name for c in VENDOR_COLUMNS]
    return csv_io.write_table(header, (_vendor_cells(v) for v in session.scalars(stmt)))


def export_case_studies(session: Session, vendor_id: int | None = None,
                        include_archived: bool = False) -> str:
    stmt = select(CaseStudy).join(CaseStudy.vendor).options(selectinload(CaseStudy.vendor))
    if vendor_id is not None:
        stmt = stmt.where(CaseStudy.vendor_id == vendor_id)
    elif not include_archived:
        stmt = stmt.where(Vendor.archived_at.is_(None))
    stmt = stmt.order_by(Vendor.name, CaseStudy.title)
    header = [c.name for c in CASE_STUDY_COLUMNS]
    return csv_io.write_table(header, (
        [cs.vendor.name, *(getattr(cs, n) for n in CASE_STUDY_FIELDS)]
        for cs in session.scalars(stmt)
    ))
