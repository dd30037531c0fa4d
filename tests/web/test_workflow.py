"""The evaluation workflow end to end through the test client: setup, blind scoring, compare,
decide. Assertions on status, redirects, visible text and database state re-read."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from evaluator import scoring
from evaluator.extensions import db
from evaluator.models import (
    CaseStudy,
    Decision,
    Evaluation,
    EvaluationCriterion,
    MemberRole,
    Membership,
    Role,
    Score,
    ShortlistEntry,
    Status,
    Vendor,
)
from evaluator.services.templates import ensure_builtin_template
from tests.conftest import attest, count_queries, csrf_token, login, make_user, post


def _lead_with_evaluation(client, title="Payments partner"):
    template = ensure_builtin_template(db.session)
    db.session.commit()
    make_user("lead@example.com", role=Role.LEAD)
    login(client, "lead@example.com")
    response = post(client, "/evaluations/new", {
        "title": title, "template_id": template.id, "program_context": "Regulated bank"})
    assert response.status_code == 302
    evaluation = db.session.scalar(select(Evaluation).where(Evaluation.title == title))
    assert response.headers["Location"] == f"/evaluations/{evaluation.id}/setup"
    return evaluation


def _criteria_payload(evaluation, **overrides):
    data = {"version": evaluation.version}
    for i, c in enumerate(evaluation.criteria):
        data[f"rows-{i}-id"] = c.id
        data[f"rows-{i}-name"] = c.name
        data[f"rows-{i}-weight"] = overrides.get(c.key, c.weight)
        data[f"rows-{i}-knockout_below"] = "" if c.knockout_below is None else c.knockout_below
    return data


def test_create_from_template_copies_criteria_anchors_lenses(client):
    evaluation = _lead_with_evaluation(client)
    assert len(evaluation.criteria) == 9
    assert evaluation.criteria[0].anchors["5"]
    assert {lens.name for lens in evaluation.lenses} == {"Sales", "Finance", "Compliance",
                                                         "Operations"}
    assert [(m.user.email, m.role) for m in evaluation.members] == [("lead@example.com", "lead")]
    page = client.get(f"/evaluations/{evaluation.id}/setup").get_data(as_text=True)
    assert "Rank-order centroid" in page and "AHP pairwise comparison" in page


def test_new_evaluation_requires_a_title(client):
    _lead_with_evaluation(client)
    response = post(client, "/evaluations/new", {"title": "", "template_id": 1})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Evaluation)) == 1


def test_weights_save_and_bad_weights_change_nothing(client):
    evaluation = _lead_with_evaluation(client)
    url = f"/evaluations/{evaluation.id}/criteria"
    response = post(client, url, _criteria_payload(evaluation, setbacks=40))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Evaluation, evaluation.id).criteria[0].weight == 40
    bad = post(client, url, _criteria_payload(db.session.get(Evaluation, evaluation.id),
                                              setbacks=-1))
    assert bad.status_code == 400
    assert "Weights cannot be negative." in bad.get_data(as_text=True)
    zero = {c.key: 0 for c in evaluation.criteria}
    fresh = db.session.get(Evaluation, evaluation.id)
    bad = post(client, url, _criteria_payload(fresh, **zero))
    assert bad.status_code == 400
    db.session.expire_all()
    assert db.session.get(Evaluation, evaluation.id).criteria[0].weight == 40


def test_two_leads_editing_weights_the_later_one_is_told_and_keeps_input(client):
    evaluation = _lead_with_evaluation(client)
    stale = _criteria_payload(evaluation, setbacks=33)
    first = post(client, f"/evaluations/{evaluation.id}/criteria",
                 _criteria_payload(evaluation, setbacks=21))
    assert first.status_code == 302
    second = post(client, f"/evaluations/{evaluation.id}/criteria", stale)
    assert second.status_code == 409
    body = second.get_data(as_text=True)
    assert "Someone else changed this evaluation" in body
    assert 'value="33' in body  # the user's input is kept to retry
    db.session.expire_all()
    assert db.session.get(Evaluation, evaluation.id).criteria[0].weight == 21


def test_rank_order_centroid_and_ahp_helpers(client):
    evaluation = _lead_with_evaluation(client)
    n = len(evaluation.criteria)
    data = {"version": evaluation.version}
    data.update({f"ranks-{i}": i + 1 for i in range(n)})
    assert post(client, f"/evaluations/{evaluation.id}/weights/roc", data).status_code == 302
    db.session.expire_all()
    fresh = db.session.get(Evaluation, evaluation.id)
    expected = scoring.rank_order_centroid([c.key for c in fresh.criteria])
    total = sum(c.weight for c in fresh.criteria)
    for c in fresh.criteria:
        assert c.weight / total == pytest.approx(expected[c.key], abs=1e-6)
    # An inconsistent AHP matrix is refused and changes nothing.
    pairs = n * (n - 1) // 2
    data = {"version": fresh.version}
    data.update({f"pairs-{i}": "9" if i % 2 else "-9" for i in range(pairs)})
    before = [c.weight for c in fresh.criteria]
    response = post(client, f"/evaluations/{evaluation.id}/weights/ahp", data)
    assert response.status_code == 400
    assert "consistency" in response.get_data(as_text=True).lower()
    db.session.expire_all()
    assert [c.weight for c in db.session.get(Evaluation, evaluation.id).criteria] == before


def _vendors(n):
    vendors = [Vendor(name=f"Vendor {i}") for i in range(n)]
    for v in vendors:  # evidence to cite: scores at the scale's ends must cite some
        v.case_studies.append(CaseStudy(title=f"Program of {v.name}", summary="Delivered."))
    db.session.add_all(vendors)
    db.session.commit()
    return vendors


def _open_scoring(client, evaluation, vendors, evaluators):
    data = {"vendor_ids": [v.id for v in vendors]}
    assert post(client, f"/evaluations/{evaluation.id}/shortlist", data).status_code == 302
    for email in evaluators:
        make_user(email, role=Role.EVALUATOR)
        r = post(client, f"/evaluations/{evaluation.id}/members",
                 {"email": email, "role": "evaluator"})
        assert r.status_code == 302, r.get_data(as_text=True)
    r = post(client, f"/evaluations/{evaluation.id}/status", {"target": "scoring"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Evaluation, evaluation.id).status == Status.SCORING


def test_status_flow_shows_what_is_missing(client):
    evaluation = _lead_with_evaluation(client)
    r = post(client, f"/evaluations/{evaluation.id}/status", {"target": "scoring"})
    assert r.status_code == 302
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Shortlist at least two vendors." in page and "Invite at least one evaluator." in page
    db.session.expire_all()
    assert db.session.get(Evaluation, evaluation.id).status == Status.DRAFT
    vendors = _vendors(2)
    _open_scoring(client, evaluation, vendors, ["ana@example.com"])
    r = post(client, f"/evaluations/{evaluation.id}/status", {"target": "review"})
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "has not submitted" in page
    db.session.expire_all()
    assert db.session.get(Evaluation, evaluation.id).status == Status.SCORING


def _sheet(evaluation, vendor, values, versions=None, insufficient=()):
    data = {}
    for i, c in enumerate(evaluation.criteria):
        data[f"rows-{i}-criterion_id"] = c.id
        data[f"rows-{i}-vendor_id"] = vendor.id
        data[f"rows-{i}-version"] = (versions or {}).get(c.id, "")
        if c.key in insufficient:
            data[f"rows-{i}-insufficient"] = "y"
        elif values.get(c.key) is not None:
            data[f"rows-{i}-value"] = str(values[c.key])
            if vendor.case_studies:
                data[f"rows-{i}-evidence"] = f"case_study:{vendor.case_studies[0].id}"
        data[f"rows-{i}-rationale"] = f"rationale {c.key}"
    return data


def _score_all(client, evaluation, vendors, value_of):
    attest(client, evaluation.id)
    for v in vendors:
        url = f"/evaluations/{evaluation.id}/score?vendor={v.id}"
        r = post(client, url, _sheet(evaluation, v, {c.key: value_of(v, c)
                                                      for c in evaluation.criteria}),
                 token_from=url)
        assert r.status_code == 302, r.get_data(as_text=True)[:2000]


def _relogin(client, email):
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert login(client, email).status_code == 302


def test_blind_scoring_submit_compare_decide_and_verify(client):
    evaluation = _lead_with_evaluation(client)
    vendors = _vendors(3)
    _open_scoring(client, evaluation, vendors, ["ana@example.com", "raj@example.com"])
    eid = evaluation.id

    _relogin(client, "ana@example.com")
    _score_all(client, evaluation, vendors, lambda v, c: 5 if v.name == "Vendor 0" else 3)
    # Ana has not submitted yet: drafts only, and nothing of anyone else anywhere.
    assert db.session.scalar(select(func.count()).select_from(Score).where(
        Score.submitted.is_(True))) == 0
    assert client.get(f"/evaluations/{eid}/compare").status_code == 403
    assert client.get(f"/evaluations/{eid}/ranking.json").status_code == 403
    r = post(client, f"/evaluations/{eid}/submit", {}, token_from=f"/evaluations/{eid}")
    assert r.headers["Location"] == f"/evaluations/{eid}/compare"
    db.session.expire_all()
    ana_member = db.session.scalar(select(Membership).join(Membership.user).where(
        Membership.evaluation_id == eid, Membership.role == MemberRole.EVALUATOR,
        Membership.submitted_at.is_not(None)))
    assert ana_member.user.email == "ana@example.com"

    _relogin(client, "raj@example.com")
    attest(client, eid)
    # Raj cannot see Ana's scores before submitting: not on the compare page, not in JSON,
    # not on his scoring sheet.
    assert client.get(f"/evaluations/{eid}/compare").status_code == 403
    assert client.get(f"/evaluations/{eid}/ranking.json").status_code == 403
    sheet = client.get(f"/evaluations/{eid}/score?vendor={vendors[0].id}").get_data(as_text=True)
    assert 'value="5" checked' not in sheet and "rationale setbacks" not in sheet
    r = post(client, f"/evaluations/{eid}/submit", {}, token_from=f"/evaluations/{eid}")
    assert r.headers["Location"].endswith("/score")  # refused: scores missing
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "scores still missing" in page
    _score_all(client, evaluation, vendors, lambda v, c: 4 if v.name == "Vendor 0" else 2)
    post(client, f"/evaluations/{eid}/submit", {}, token_from=f"/evaluations/{eid}")
    page = client.get(f"/evaluations/{eid}/compare").get_data(as_text=True)
    # Both submitted but scoring is still open: the result is interim and says so.
    assert "Vendor 0</strong> currently leads (interim)" in page
    assert "Interim result, not a decision." in page
    ranking = client.get(f"/evaluations/{eid}/ranking.json").get_json()
    assert ranking["vendors"][0]["name"] == "Vendor 0"
    assert ranking["vendors"][0]["score"] == pytest.approx(100 * (4.5 - 1) / 4)
    lens = client.get(f"/evaluations/{eid}/compare?lens=Finance")
    assert lens.status_code == 200 and "under the Finance lens" in lens.get_data(as_text=True)

    _relogin(client, "lead@example.com")
    post(client, f"/evaluations/{eid}/status", {"target": "review"})
    r = post(client, f"/evaluations/{eid}/decide", {
        "vendor_id": vendors[0].id, "rationale": "Strongest on setbacks and lessons learned.",
        "dissent": "Raj preferred a cheaper option."}, token_from=f"/evaluations/{eid}/decide")
    assert r.status_code == 302
    db.session.expire_all()
    decision = db.session.scalar(select(Decision).where(Decision.evaluation_id == eid))
    assert decision.vendor_id == vendors[0].id and decision.dissent
    assert len(decision.snapshot_sha256) == 64
    assert decision.snapshot["ranking"]["winner"] == vendors[0].id
    assert db.session.get(Evaluation, eid).status == Status.DECIDED
    verify = client.get(f"/evaluations/{eid}/decision/verify").get_data(as_text=True)
    assert "Reproduced exactly" in verify


def test_same_score_from_two_tabs_is_not_lost_silently(client):
    evaluation = _lead_with_evaluation(client)
    vendors = _vendors(2)
    _open_scoring(client, evaluation, vendors, ["ana@example.com"])
    _relogin(client, "ana@example.com")
    attest(client, evaluation.id)
    url = f"/evaluations/{evaluation.id}/score?vendor={vendors[0].id}"
    first = _sheet(evaluation, vendors[0], {"setbacks": 2})
    assert post(client, url, first, token_from=url).status_code == 302
    setbacks = next(c for c in evaluation.criteria if c.key == "setbacks")
    score = db.session.scalar(select(Score).where(Score.criterion_id == setbacks.id))
    versions = {score.criterion_id: score.version}
    tab_a = _sheet(evaluation, vendors[0], {"setbacks": 4}, versions)
    tab_b = _sheet(evaluation, vendors[0], {"setbacks": 1}, versions)
    assert post(client, url, tab_a, token_from=url).status_code == 302
    r = post(client, url, tab_b, token_from=url)
    assert r.status_code == 409
    assert "changed in another tab" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(Score.value).where(Score.criterion_id == setbacks.id)) == 4
    # The autosave endpoint answers the same conflict as JSON.
    r = post(client, f"/evaluations/{evaluation.id}/score/autosave?vendor={vendors[0].id}",
             tab_b, token_from=url, headers={"Accept": "application/json"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "conflict"


def test_conflict_of_interest_blocks_scoring_that_vendor(client):
    evaluation = _lead_with_evaluation(client)
    vendors = _vendors(2)
    _open_scoring(client, evaluation, vendors, ["ana@example.com"])
    ana = db.session.scalar(select(Membership).where(Membership.role == "evaluator"))
    r = post(client, f"/evaluations/{evaluation.id}/conflicts", {
        "user_id": ana.user_id, "vendor_id": vendors[1].id, "note": "Former employer"})
    assert r.status_code == 302
    _relogin(client, "ana@example.com")
    attest(client, evaluation.id)
    url = f"/evaluations/{evaluation.id}/score?vendor={vendors[1].id}"
    assert client.get(url).status_code == 404
    r = post(client, f"/evaluations/{evaluation.id}/score/autosave?vendor={vendors[0].id}",
             _sheet(evaluation, vendors[1], {"setbacks": 3}),
             token_from=f"/evaluations/{evaluation.id}/score?vendor={vendors[0].id}")
    assert r.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Score)) == 0


def _build_evaluation(n_vendors, n_evaluators, n_criteria, tag):
    evaluation = Evaluation(title=f"Sized {tag}", status=Status.REVIEW.value)
    for k in range(n_criteria):
        evaluation.criteria.append(EvaluationCriterion(key=f"c{k}", name=f"C{k}", weight=1,
                                                       position=k))
    lead = make_user(f"lead-{tag}@example.com", role=Role.LEAD)
    evaluation.members.append(Membership(user=lead, role=MemberRole.LEAD))
    vendors = [Vendor(name=f"{tag} vendor {i}") for i in range(n_vendors)]
    for v in vendors:
        evaluation.shortlist.append(ShortlistEntry(vendor=v))
    db.session.add(evaluation)
    db.session.flush()
    for e in range(n_evaluators):
        user = make_user(f"ev{e}-{tag}@example.com")
        evaluation.members.append(Membership(user=user, role=MemberRole.EVALUATOR))
        for v in vendors:
            for c in evaluation.criteria:
                db.session.add(Score(evaluation_id=evaluation.id, evaluator_id=user.id,
                                     vendor_id=v.id, criterion_id=c.id, value=1 + (e + v.id) % 5,
                                     submitted=True, rationale="r",
                                     evidence=[]))
    db.session.commit()
    return evaluation




def test_comparison_page_query_count_is_constant(client):
    small = _build_evaluation(2, 2, 2, "small")
    large = _build_evaluation(8, 5, 9, "large")
    login(client, "lead-small@example.com")
    n_small = count_queries(client, f"/evaluations/{small.id}/compare")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "lead-large@example.com")
    n_large = count_queries(client, f"/evaluations/{large.id}/compare")
    assert n_small == n_large
    assert n_small < 20


def test_vendor_evidence_page_lists_submitted_scores_with_cited_case_studies(client):
    evaluation = _build_evaluation(3, 2, 2, "evid")
    vendor, other = (e.vendor for e in evaluation.shortlist[:2])
    study = CaseStudy(vendor=vendor, title="Ledger migration for a <b>bank</b>")
    db.session.add(study)
    db.session.flush()
    scores = db.session.scalars(select(Score).where(Score.vendor_id == vendor.id)).all()
    scores[0].evidence = [{"type": "case_study", "id": study.id}]
    scores[0].rationale = "Handled the cut-over slip openly"
    scores[1].submitted = False
    scores[1].rationale = "Draft, not for the committee"
    db.session.commit()
    login(client, "lead-evid@example.com")

    compare = client.get(f"/evaluations/{evaluation.id}/compare").get_data(as_text=True)
    url = f"/evaluations/{evaluation.id}/evidence/{vendor.id}"
    assert f'href="{url}"' in compare
    assert f"{vendor.name}</a> · {len(scores) - 1} scores" in compare
    page = client.get(url).get_data(as_text=True)
    assert "Handled the cut-over slip openly" in page
    assert "Case study: Ledger migration for a &lt;b&gt;bank&lt;/b&gt;" in page
    assert "Draft, not for the committee" not in page
    assert page.count("<tr><td>") == len(scores) - 1
    assert other.name not in page

    stranger = Vendor(name="Not shortlisted")
    db.session.add(stranger)
    db.session.commit()
    assert client.get(f"/evaluations/{evaluation.id}/evidence/{stranger.id}").status_code == 404
    assert client.get(f"/evaluations/999/evidence/{vendor.id}").status_code == 404


def test_vendor_evidence_page_is_closed_while_scoring_is_blind(client):
    evaluation = _build_evaluation(2, 1, 1, "blind")
    vendor = evaluation.shortlist[0].vendor
    evaluation.status = Status.SCORING.value
    member = next(m for m in evaluation.members if m.role == MemberRole.EVALUATOR.value)
    db.session.commit()
    login(client, member.user.email)
    assert client.get(f"/evaluations/{evaluation.id}/evidence/{vendor.id}").status_code == 403


def test_comparison_names_criteria_behind_a_knockout_or_a_gap(client):
    evaluation = _lead_with_evaluation(client)
    vendors = _vendors(3)
    _open_scoring(client, evaluation, vendors, ["ana@example.com"])
    eid = evaluation.id
    _relogin(client, "ana@example.com")
    # Vendor 2 scores 1 everywhere: below a knockout threshold.
    _score_all(client, evaluation, vendors, lambda v, c: 1 if v.name == "Vendor 2" else 3)
    gap = evaluation.criteria[0]
    url = f"/evaluations/{eid}/score?vendor={vendors[1].id}"
    versions = {s.criterion_id: s.version for s in db.session.scalars(select(Score).where(
        Score.evaluation_id == eid, Score.vendor_id == vendors[1].id))}
    r = post(client, url, _sheet(evaluation, vendors[1], {c.key: 3 for c in evaluation.criteria},
                                 versions, insufficient=(gap.key,)), token_from=url)
    assert r.status_code == 302
    post(client, f"/evaluations/{eid}/submit", {}, token_from=f"/evaluations/{eid}")
    ranking = client.get(f"/evaluations/{eid}/ranking.json").get_json()
    by_name = {v["name"]: v for v in ranking["vendors"]}
    assert by_name["Vendor 1"]["gaps"] == [gap.key] and by_name["Vendor 2"]["knockouts"]
    knockout = next(c for c in evaluation.criteria if c.key == by_name["Vendor 2"]["knockouts"][0])
    page = client.get(f"/evaluations/{eid}/compare").get_data(as_text=True)
    assert f"no value on {gap.name}" in page
    assert f"below threshold on {knockout.name}" in page
