"""The dashboard per role: the lead's missing scores, the evaluator's open scoring tasks, the
observer's evaluations in review; counts re-read from the database; query count constant."""

from __future__ import annotations

import re

from sqlalchemy import select

from evaluator.extensions import db
from evaluator.models import (
    Conflict,
    Evaluation,
    EvaluationCriterion,
    MemberRole,
    Membership,
    Role,
    Score,
    ShortlistEntry,
    Status,
    User,
    Vendor,
)
from tests.conftest import count_queries, csrf_token, login, make_user


def _evaluation(title, status, *, n_vendors=2, n_criteria=3, lead=None, observer=None,
                evaluators=()):
    evaluation = Evaluation(title=title, status=status.value)
    for k in range(n_criteria):
        evaluation.criteria.append(EvaluationCriterion(key=f"c{k}", name=f"C{k}", weight=1,
                                                       position=k))
    vendors = [Vendor(name=f"{title} vendor {i}") for i in range(n_vendors)]
    for v in vendors:
        evaluation.shortlist.append(ShortlistEntry(vendor=v))
    if lead:
        evaluation.members.append(Membership(user=lead, role=MemberRole.LEAD.value))
    if observer:
        evaluation.members.append(Membership(user=observer, role=MemberRole.OBSERVER.value))
    for user in evaluators:
        evaluation.members.append(Membership(user=user, role=MemberRole.EVALUATOR.value))
    db.session.add(evaluation)
    db.session.flush()
    return evaluation, vendors


def _give(evaluation, user, vendors, n, *, insufficient_last=False):
    """n scores from user: values, the last one "insufficient evidence" if asked."""
    cells = [(v, c) for v in vendors for c in evaluation.criteria][:n]
    for i, (v, c) in enumerate(cells):
        abstain = insufficient_last and i == len(cells) - 1
        db.session.add(Score(evaluation_id=evaluation.id, evaluator_id=user.id, vendor_id=v.id,
                             criterion_id=c.id, value=None if abstain else 3.0,
                             insufficient_evidence=abstain, rationale="r", evidence=[]))


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _section(html: str, section_id: str) -> str:
    match = re.search(rf'<section[^>]*id="{section_id}".*?</section>', html, re.S)
    assert match, f"no section #{section_id}"
    return _text(match.group(0))


def _world():
    lead = make_user("lead@example.com", role=Role.LEAD, name="Lena Lead")
    cto = make_user("cto@example.com", role=Role.VIEWER, name="Cora CTO")
    ana = make_user("ana@example.com", role=Role.EVALUATOR, name="Ana Arch")
    raj = make_user("raj@example.com", role=Role.EVALUATOR, name="Raj Fin")
    scoring, vendors = _evaluation("Payments partner", Status.SCORING, lead=lead, observer=cto,
                                   evaluators=(ana, raj))
    _give(scoring, ana, vendors, 4, insufficient_last=True)  # 4 of 6 given
    # A draft without a value is not "given".
    db.session.add(Score(evaluation_id=scoring.id, evaluator_id=ana.id, vendor_id=vendors[1].id,
                         criterion_id=scoring.criteria[2].id, value=None, rationale="",
                         evidence=[]))
    # Raj declared a conflict with one vendor: 3 cells expected, all given.
    db.session.add(Conflict(evaluation_id=scoring.id, user_id=raj.id, vendor_id=vendors[1].id))
    _give(scoring, raj, vendors[:1], 3)
    review, _ = _evaluation("Data platform", Status.REVIEW, lead=lead, observer=cto,
                            evaluators=(ana,))
    review.members[-1].submitted_at = review.created_at
    _evaluation("Draft CRM", Status.DRAFT, lead=lead)
    db.session.commit()
    return scoring, review


def test_lead_sees_missing_scores_per_evaluator_and_drafts(client):
    scoring, _ = _world()
    login(client, "lead@example.com")
    html = client.get("/").get_data(as_text=True)
    missing = _section(html, "missing-scores")
    assert "Payments partner" in missing
    assert "2 scores missing; 2 evaluators still to submit." in missing
    assert "Ana Arch 4 of 6 2" in missing
    assert "Raj Fin 3 of 3 none · not submitted" in missing
    assert "Continue setting up Draft CRM" in missing
    assert f'href="/evaluations/{scoring.id}"' in html
    assert "Data platform" in _section(html, "in-review")
    assert 'id="scoring-tasks"' not in html  # the lead scores nothing


def test_evaluator_sees_open_scoring_tasks_with_links(client):
    scoring, review = _world()
    login(client, "ana@example.com")
    html = client.get("/").get_data(as_text=True)
    tasks = _section(html, "scoring-tasks")
    assert "Payments partner" in tasks and "4 of 6 scores given · 2 to go" in tasks
    assert f'href="/evaluations/{scoring.id}/score"' in html
    assert "Data platform" not in tasks
    assert 'id="missing-scores"' not in html and 'id="in-review"' not in html

    # Re-read: once both missing cells are given, the task says "ready to submit".
    ana = db.session.scalar(select(User).where(User.email == "ana@example.com"))
    vendor_id = scoring.shortlist[1].vendor_id
    draft = db.session.scalar(select(Score).where(
        Score.evaluator_id == ana.id, Score.vendor_id == vendor_id,
        Score.criterion_id == scoring.criteria[2].id))
    draft.value = 2.0
    db.session.add(Score(evaluation_id=scoring.id, evaluator_id=ana.id, vendor_id=vendor_id,
                         criterion_id=scoring.criteria[1].id, value=4.0, rationale="r",
                         evidence=[]))
    db.session.commit()
    tasks = _section(client.get("/").get_data(as_text=True), "scoring-tasks")
    assert "All 6 scores given · ready to submit" in tasks


def test_observer_sees_evaluations_in_review_with_the_comparison_link(client):
    _, review = _world()
    login(client, "cto@example.com")
    html = client.get("/").get_data(as_text=True)
    in_review = _section(html, "in-review")
    assert "Data platform" in in_review and "Payments partner" not in in_review
    assert f'href="/evaluations/{review.id}/compare"' in html
    assert 'id="scoring-tasks"' not in html and 'id="missing-scores"' not in html


def test_empty_dashboards_say_what_to_do_next(client):
    make_user("newlead@example.com", role=Role.LEAD)
    make_user("newbie@example.com", role=Role.EVALUATOR)
    db.session.commit()
    login(client, "newlead@example.com")
    html = client.get("/").get_data(as_text=True)
    assert "No evaluation is in scoring. Set up an evaluation" in _section(html, "missing-scores")
    assert 'href="/evaluations/new"' in html
    assert "Nothing is in review." in _section(html, "in-review")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "newbie@example.com")
    html = client.get("/").get_data(as_text=True)
    assert "No scoring is waiting for you." in _section(html, "scoring-tasks")
    assert "You are not a member of any evaluation yet." in _text(html)




def test_dashboard_query_count_is_constant_in_the_number_of_evaluations(client):
    lead = make_user("lead@example.com", role=Role.LEAD)
    evaluators = [make_user(f"ev{i}@example.com") for i in range(3)]
    evaluation, vendors = _evaluation("One", Status.SCORING, lead=lead, evaluators=evaluators)
    _give(evaluation, evaluators[0], vendors, 2)
    db.session.commit()
    login(client, "lead@example.com")
    n_small = count_queries(client, "/")
    for i in range(6):
        status = [Status.SCORING, Status.REVIEW, Status.DRAFT][i % 3]
        e, vs = _evaluation(f"More {i}", status, n_vendors=4, n_criteria=5, lead=lead,
                            evaluators=evaluators)
        _give(e, evaluators[i % 3], vs, 7)
    db.session.commit()
    n_large = count_queries(client, "/")
    assert n_small == n_large
    assert n_small < 15


def test_all_evaluations_are_paged_and_decided_ones_leave_the_work_lists(client):
    observer = make_user("observer@example.com", role=Role.VIEWER)
    for i in range(30):
        _evaluation(f"Program {i:02d}", Status.REVIEW if i % 2 else Status.DECIDED,
                    observer=observer)
    db.session.commit()
    login(client, "observer@example.com")
    first = client.get("/").get_data(as_text=True)
    rows = re.findall(r'<td><a href="/evaluations/(\d+)">', first)
    assert len(rows) == 25
    assert "Page 1 of 2 (30 in all)" in first
    # Work list: only the 15 in review, ten shown and the rest counted.
    review = first.split('id="in-review-h"')[1].split("</section>")[0]
    assert review.count("Open the comparison") == 10
    assert "And 5 more in review" in review
    second = client.get("/?page=2").get_data(as_text=True)
    rows2 = re.findall(r'<td><a href="/evaluations/(\d+)">', second)
    assert len(rows2) == 5 and not set(rows) & set(rows2)
    assert "Page 2 of 2 (30 in all)" in second
    assert client.get("/?page=99").status_code == 200  # past the end: the last page


def test_evaluation_list_is_paged(client):
    observer = make_user("observer@example.com", role=Role.VIEWER)
    for i in range(55):
        _evaluation(f"Listed {i:02d}", Status.DECIDED, n_vendors=1, n_criteria=1,
                    observer=observer)
    db.session.commit()
    login(client, "observer@example.com")
    first = client.get("/evaluations/").get_data(as_text=True)
    second = client.get("/evaluations/?page=2").get_data(as_text=True)
    rows = re.findall(r'<td><a href="/evaluations/(\d+)">', first)
    rows2 = re.findall(r'<td><a href="/evaluations/(\d+)">', second)
    assert (len(rows), len(rows2)) == (50, 5)
    assert not set(rows) & set(rows2)
    assert "Page 1 of 2 (55 in all)" in first and 'href="/evaluations/?page=2"' in first
