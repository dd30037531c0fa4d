"""Query counts per list page stay constant as the data grows (no N+1).

Each test counts the SQL statements of one page view (before_cursor_execute on db.engine) with a
small data set, then grows the data several-fold with every relation the page shows filled in,
and asserts the same count. A page that loads a relation per row fails here.
"""

from __future__ import annotations

import pytest

from evaluator.extensions import db
from evaluator.models import (
    AuditEvent,
    CaseStudy,
    Certification,
    Decision,
    Evaluation,
    EvaluationCriterion,
    Integration,
    MemberRole,
    Membership,
    PastProgram,
    Role,
    Score,
    ShortlistEntry,
    Status,
    User,
    Vendor,
)
from tests.conftest import count_queries, login, make_user

_serial = iter(range(1_000_000))




def _add_vendors(n: int) -> list[Vendor]:
    vendors = []
    for _ in range(n):
        i = next(_serial)
        v = Vendor(name=f"Vendor {i}", country="DE", sector="banking")
        v.certifications.append(Certification(name="ISO 27001"))
        v.integrations.append(Integration(kind="erp", product="SAP"))
        v.case_studies.append(CaseStudy(title=f"Program {i}", year=2024))
        vendors.append(v)
    db.session.add_all(vendors)
    db.session.commit()
    return vendors


def _add_evaluations(n: int, lead: User, *, decided: bool = False) -> None:
    for _ in range(n):
        i = next(_serial)
        vendors = _add_vendors(3)
        evaluator = make_user(f"ev{i}@example.com")
        ev = Evaluation(title=f"Evaluation {i}", created_by=lead,
                        status=(Status.DECIDED if decided else Status.SCORING).value)
        ev.criteria.append(EvaluationCriterion(key="k", name="K", weight=1, position=0))
        ev.members.append(Membership(user=lead, role=MemberRole.LEAD.value))
        ev.members.append(Membership(user=evaluator, role=MemberRole.EVALUATOR.value))
        for v in vendors:
            ev.shortlist.append(ShortlistEntry(vendor=v))
        db.session.add(ev)
        db.session.flush()
        db.session.add(Score(evaluation_id=ev.id, evaluator_id=evaluator.id,
                             vendor_id=vendors[0].id, criterion_id=ev.criteria[0].id, value=3,
                             submitted=True))
        if decided:
            db.session.add(Decision(evaluation=ev, vendor=vendors[0], rationale="r",
                                    decided_by=lead, snapshot={}, snapshot_sha256="0" * 64))
        db.session.commit()


def _add_programs(n: int, vendor: Vendor) -> None:
    for _ in range(n):
        i = next(_serial)
        db.session.add(PastProgram(vendor_name=vendor.name, vendor=vendor, program=f"P{i}",
                                   year=2020, success=i % 2 == 0, features={"k": 3}))
    db.session.commit()


def _assert_constant(client, url: str, grow) -> None:
    small = count_queries(client, url)
    grow()
    large = count_queries(client, url)
    assert small == large, f"{url}: {small} queries with little data, {large} with more"


@pytest.mark.parametrize("url", ["/", "/evaluations/"])
def test_dashboard_and_evaluation_list(client, url):
    lead = make_user("lead@example.com", role=Role.LEAD)
    _add_evaluations(2, lead)
    _add_evaluations(1, lead, decided=True)
    login(client, "lead@example.com")
    _assert_constant(client, url, lambda: (_add_evaluations(8, lead),
                                           _add_evaluations(3, lead, decided=True)))


def test_dashboard_for_admin_sees_every_evaluation(client):
    lead = make_user("lead@example.com", role=Role.LEAD)
    make_user("admin@example.com", role=Role.ADMIN)
    _add_evaluations(2, lead)
    login(client, "admin@example.com")
    _assert_constant(client, "/", lambda: _add_evaluations(8, lead, decided=True))


@pytest.mark.parametrize("url", ["/vendors/", "/vendors/?certification=ISO+27001",
                                 "/vendors/?q=vendor&country=DE"])
def test_vendor_list(client, url):
    make_user("lead@example.com", role=Role.LEAD)
    _add_vendors(2)
    login(client, "lead@example.com")
    _assert_constant(client, url, lambda: _add_vendors(20))


def test_past_program_list(client):
    make_user("lead@example.com", role=Role.LEAD)
    vendor = _add_vendors(1)[0]
    _add_programs(2, vendor)
    login(client, "lead@example.com")
    _assert_constant(client, "/outcomes/", lambda: (_add_programs(30, vendor),
                                                    _add_programs(10, _add_vendors(1)[0])))


def test_audit_list(client):
    make_user("admin@example.com", role=Role.ADMIN)
    _add_vendors(1)
    login(client, "admin@example.com")

    def grow():
        _add_vendors(10)
        db.session.add_all(AuditEvent(action="update", entity_type="Vendor", entity_id=i,
                                      before={"name": "a"}, after={"name": "b"})
                           for i in range(50))
        db.session.commit()

    _assert_constant(client, "/admin/audit", grow)
    _assert_constant(client, "/admin/audit?entity=Vendor", grow)
