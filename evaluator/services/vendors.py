"""Reading the vendor register (editing arrives with the vendor dossier)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from ..models import CaseStudy, Certification, Interview, InterviewAnswer, Vendor


@dataclass(frozen=True)
class VendorFilter:
    q: str = ""
    country: str = ""
    sector: str = ""
    certification: str = ""
    include_archived: bool = False


@dataclass(frozen=True)
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_vendors(session: Session, flt: VendorFilter, page: int = 1, per_page: int = 50) -> Page:
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
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = max(1, page)
    items = list(
        session.scalars(
            stmt.options(
                selectinload(Vendor.certifications), selectinload(Vendor.case_studies)
            )
            .order_by(Vendor.name)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    return Page(items=items, total=total, page=page, per_page=per_page)


def filter_choices(session: Session) -> dict[str, list[str]]:
    countries = session.scalars(
        select(Vendor.country).where(Vendor.country != "").distinct().order_by(Vendor.country)
    )
    sectors = session.scalars(
        select(Vendor.sector).where(Vendor.sector != "").distinct().order_by(Vendor.sector)
    )
    certs = session.scalars(select(Certification.name).distinct().order_by(Certification.name))
    return {"countries": list(countries), "sectors": list(sectors), "certifications": list(certs)}


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
        )
    )


__all__ = ["CaseStudy", "Page", "VendorFilter", "filter_choices", "get_vendor", "list_vendors"]
