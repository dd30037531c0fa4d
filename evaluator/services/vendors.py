"""The vendor register: reading, filtering, creating, editing, archiving and restoring vendors.

Contacts, certifications and integrations are edited with their vendor (one form, one CSV row),
so they are replaced as a whole when they change, and the vendor's version moves with them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from ..models import (
    CaseStudy,
    Certification,
    Integration,
    Interview,
    InterviewAnswer,
    Vendor,
    VendorContact,
)
from ..models.base import utcnow
from ..scoring import Realism, delivery_realism
from .paging import Page, fetch_page
from .uow import transaction

INTEGRATION_KINDS = ("erp", "crm", "mainframe", "file_drop", "other")
INTEGRATION_LABELS = {"erp": "ERP", "crm": "CRM", "mainframe": "Mainframe",
                      "file_drop": "File drop", "other": "Other"}


def max_len(model, column: str) -> int:
    """The String(n) length of a model column, so forms and CSV checks follow the schema."""
    return model.__table__.c[column].type.length


class DossierError(ValueError):
    """A change the dossier refuses (duplicate name, unknown record); message is for users."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class StaleEdit(DossierError):
    """Someone saved the record after this user opened the form; nothing was written.

    current_version: the saved version now; differences: field -> saved value, for the fields
    whose saved value differs from what this user submitted.
    """

    def __init__(self, current_version: int, differences: dict[str, object]):
        super().__init__(
            "Someone else saved this record while you were editing it. Your changes are NOT "
            "saved yet: they are kept in the form below. Check the values saved meanwhile, then "
            "save again to overwrite them."
        )
        self.current_version = current_version
        self.differences = differences


@dataclass(frozen=True)
class ContactData:
    name: str
    email: str = ""
    phone: str = ""
    title: str = ""


@dataclass(frozen=True)
class CertificationData:
    name: str
    expires_on: date | None = None
    issuer: str = ""


@dataclass(frozen=True)
class IntegrationData:
    kind: str
    product: str = ""
    notes: str = ""


@dataclass(frozen=True)
class VendorData:
    """Everything a vendor form or a CSV row says about a vendor (already validated)."""

    name: str
    country: str = ""
    sector: str = ""
    website: str = ""
    headcount: int | None = None
    regions: str = ""
    data_residency: str = ""
    description: str = ""
    contacts: tuple[ContactData, ...] = field(default_factory=tuple)
    certifications: tuple[CertificationData, ...] = field(default_factory=tuple)
    integrations: tuple[IntegrationData, ...] = field(default_factory=tuple)


SCALAR_FIELDS = ("name", "country", "sector", "website", "headcount", "regions",
                 "data_residency", "description")
LIST_FIELDS = ("contacts", "certifications", "integrations")
VENDOR_FIELDS = SCALAR_FIELDS + LIST_FIELDS


def vendor_data(vendor: Vendor) -> VendorData:
    """The saved vendor as VendorData (for comparisons and exports)."""
    return VendorData(
        **{name: getattr(vendor, name) for name in SCALAR_FIELDS},
        contacts=tuple(ContactData(c.name, c.email, c.phone, c.title) for c in vendor.contacts),
        certifications=tuple(
            CertificationData(c.name, c.expires_on, c.issuer) for c in vendor.certifications
        ),
        integrations=tuple(
            IntegrationData(i.kind, i.product, i.notes) for i in vendor.integrations
        ),
    )


def changed_fields(vendor: Vendor, data: VendorData, only: frozenset[str] | None = None
                   ) -> list[str]:
    """Fields (of ``only``, default all) whose value in ``data`` differs from the vendor's."""
    current = vendor_data(vendor)
    names = [n for n in VENDOR_FIELDS if only is None or n in only]
    return [n for n in names if _comparable(n, getattr(current, n)) !=
            _comparable(n, getattr(data, n))]


def _comparable(name: str, value):
    # Certifications and integrations are listed sorted on the page; order is not a change.
    if name in ("certifications", "integrations"):
        return sorted(value, key=repr)
    return value


def apply_vendor_data(vendor: Vendor, data: VendorData, only: frozenset[str] | None = None
                      ) -> list[str]:
    """Copy ``data`` onto ``vendor`` (only the given fields); return the fields changed."""
    changes = changed_fields(vendor, data, only) if vendor.id is not None else list(
        n for n in VENDOR_FIELDS if only is None or n in only)
    for name in changes:
        value = getattr(data, name)
        if name == "contacts":
            vendor.contacts = [VendorContact(name=c.name, email=c.email, phone=c.phone,
                                             title=c.title) for c in value]
        elif name == "certifications":
            vendor.certifications = [Certification(name=c.name, expires_on=c.expires_on,
                                                   issuer=c.issuer) for c in value]
        elif name == "integrations":
            vendor.integrations = [Integration(kind=i.kind, product=i.product, notes=i.notes)
                                   for i in value]
        else:
            setattr(vendor, name, value)
    if vendor.id is not None and changes and not set(changes) & set(SCALAR_FIELDS):
        vendor.updated_at = utcnow()  # child rows changed: move the vendor's version too
    return changes


@dataclass(frozen=True)
class VendorFilter:
    q: str = ""
    country: str = ""
    sector: str = ""
    certification: str = ""
    include_archived: bool = False


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filtered_statement(flt: VendorFilter):
    """select(Vendor) narrowed by the register's filters (shared by the page and the export)."""
    stmt = select(Vendor)
    if not flt.include_archived:
        stmt = stmt.where(Vendor.archived_at.is_(None))
    if flt.q:
        like = f"%{_escape_like(flt.q.lower())}%"
        stmt = stmt.where(
            or_(
                func.lower(Vendor.name).like(like, escape="\\"),
                func.lower(Vendor.description).like(like, escape="\\"),
            )
        )
    if flt.country:
        stmt = stmt.where(Vendor.country == flt.country)
    if flt.sector:
        stmt = stmt.where(Vendor.sector == flt.sector)
    if flt.certification:
        stmt = stmt.where(
            exists().where(
                Certification.vendor_id == Vendor.id, Certification.name == flt.certification
            )
        )
    return stmt


def list_vendors(session: Session, flt: VendorFilter, page: int = 1, per_page: int = 50) -> Page:
    stmt = filtered_statement(flt)
    result = fetch_page(session, stmt, order=(Vendor.name,), page=page, per_page=per_page,
                        options=(selectinload(Vendor.certifications),
                                 selectinload(Vendor.case_studies)))
    result.extras["realism"] = {v.id: realism_of(v) for v in result.items}
    return result


def filter_choices(session: Session) -> dict[str, list[str]]:
    countries = session.scalars(
        select(Vendor.country).where(Vendor.country != "").distinct().order_by(Vendor.country)
    )
    sectors = session.scalars(
        select(Vendor.sector).where(Vendor.sector != "").distinct().order_by(Vendor.sector)
    )
    certs = session.scalars(select(Certification.name).distinct().order_by(Certification.name))
    return {"countries": list(countries), "sectors": list(sectors), "certifications": list(certs)}


def name_taken(session: Session, name: str, except_id: int | None = None) -> bool:
    """A vendor of this name exists (case-insensitive; except_id: ignore that vendor)."""
    stmt = select(Vendor.id).where(func.lower(Vendor.name) == name.strip().lower())
    if except_id is not None:
        stmt = stmt.where(Vendor.id != except_id)
    return session.scalar(stmt.limit(1)) is not None


@transaction
def create_vendor(session: Session, data: VendorData) -> Vendor:
    """Add a vendor; DossierError when the name is taken (names are compared ignoring case)."""
    if name_taken(session, data.name):
        raise DossierError(f"A vendor named {data.name!r} already exists.", field="name")
    vendor = Vendor()
    apply_vendor_data(vendor, data)
    session.add(vendor)
    _flush_unique(session, data.name)
    return vendor


@transaction
def update_vendor(session: Session, vendor_id: int, data: VendorData, expected_version: int
                  ) -> Vendor:
    """Save an edit made on version ``expected_version``; StaleEdit if it is no longer current."""
    vendor = get_vendor(session, vendor_id)
    if vendor is None:
        raise DossierError("This vendor does not exist.")
    if vendor.version != expected_version:
        raise _stale(vendor, data)
    if name_taken(session, data.name, except_id=vendor.id):
        raise DossierError(f"A vendor named {data.name!r} already exists.", field="name")
    apply_vendor_data(vendor, data)
    try:
        _flush_unique(session, data.name)
    except StaleDataError:
        # Saved by someone else between our read and our write.
        session.rollback()
        raise _stale(get_vendor(session, vendor_id), data) from None
    return vendor


def display_value(value) -> str:
    """A saved value as short text for the edit-conflict notice."""
    if value is None or value == "" or value == ():
        return "(empty)"
    if isinstance(value, tuple):
        return "; ".join(" | ".join(str(v) for v in vars(item).values() if v not in ("", None))
                         for item in value)
    return str(value)


def _stale(vendor: Vendor, data: VendorData) -> StaleEdit:
    current = vendor_data(vendor)
    return StaleEdit(vendor.version, {
        name: display_value(getattr(current, name)) for name in changed_fields(vendor, data)
    })


def _flush_unique(session: Session, name: str) -> None:
    """Flush now, so a concurrent insert of the same name is a clear error (the unit of work
    rolls back)."""
    try:
        session.flush()
    except IntegrityError:
        raise DossierError(f"A vendor named {name!r} already exists.", field="name") from None


@transaction
def set_archived(session: Session, vendor_id: int, archived: bool) -> Vendor:
    """Archive (soft delete: hidden from the register, kept for evaluations) or restore."""
    vendor = session.get(Vendor, vendor_id)
    if vendor is None:
        raise DossierError("This vendor does not exist.")
    if archived and vendor.archived_at is None:
        vendor.archived_at = utcnow()
    elif not archived and vendor.archived_at is not None:
        vendor.archived_at = None
    return vendor


def realism_of(vendor: Vendor) -> Realism:
    """Delivery realism over the vendor's case studies (planned vs actual)."""
    return delivery_realism(
        (cs.planned_months, cs.actual_months, cs.planned_budget, cs.actual_budget)
        for cs in vendor.case_studies
    )


def get_vendor(session: Session, vendor_id: int) -> Vendor | None:
    return session.scalar(
        select(Vendor)
        .where(Vendor.id == vendor_id)
        .options(
            selectinload(Vendor.contacts),
            selectinload(Vendor.certifications),
            selectinload(Vendor.integrations),
            selectinload(Vendor.case_studies),
            selectinload(Vendor.interviews)
            .selectinload(Interview.answers)
            .selectinload(InterviewAnswer.question),
            selectinload(Vendor.interviews).selectinload(Interview.guide),
        )
    )


__all__ = [
    "CaseStudy", "CertificationData", "ContactData", "DossierError", "IntegrationData", "Page",
    "StaleEdit", "VendorData", "VendorFilter", "apply_vendor_data", "changed_fields",
    "create_vendor", "filter_choices", "get_vendor", "list_vendors", "realism_of",
    "set_archived", "update_vendor", "vendor_data",
]
