"""What the API reads: pages of vendors, case studies and visible evaluations, eager-loaded.

The JSON of a vendor carries its contacts, certifications and integrations, so a page loads
them with selectinload: a constant number of queries whatever the page size.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..models import CaseStudy, Evaluation, User, Vendor
from ..services.evaluations import visible_to
from ..services.paging import Page, fetch_page
from ..services.vendors import VendorFilter, filtered_statement

MAX_PER_PAGE = 200


def _page(session: Session, stmt, order, page: int, per_page: int, options=()) -> Page:
    return fetch_page(session, stmt, order=tuple(order), page=page, per_page=per_page,
                      options=tuple(options))


VENDOR_LOADS = (selectinload(Vendor.contacts), selectinload(Vendor.certifications),
                selectinload(Vendor.integrations))


def vendors_page(session: Session, flt: VendorFilter, page: int, per_page: int) -> Page:
    return _page(session, filtered_statement(flt), (Vendor.name, Vendor.id), page, per_page,
                 VENDOR_LOADS)


def vendor(session: Session, vendor_id: int) -> Vendor | None:
    return session.scalar(select(Vendor).where(Vendor.id == vendor_id).options(*VENDOR_LOADS))


def case_studies_page(session: Session, vendor_id: int, page: int, per_page: int,
                      outcome: str = "") -> Page:
    stmt = select(CaseStudy).where(CaseStudy.vendor_id == vendor_id)
    if outcome:
        stmt = stmt.where(CaseStudy.outcome == outcome)
    return _page(session, stmt, (CaseStudy.id,), page, per_page)


def evaluations_page(session: Session, user: User, page: int, per_page: int,
                     status: str = "") -> Page:
    """Evaluations the user may see: as a member, or every one for an admin (access.py's rule)."""
    stmt = visible_to(select(Evaluation), user)
    if status:
        stmt = stmt.where(Evaluation.status == status)
    return _page(session, stmt, (Evaluation.id.desc(),), page, per_page,
                 (selectinload(Evaluation.members), selectinload(Evaluation.decision)))
