"""Past programs and outcome model pages: content, permissions, and database state re-read."""

from __future__ import annotations

import functools
import io

import pytest
from sqlalchemy import func, select

from evaluator.extensions import db
from evaluator.models import (
    Decision,
    Evaluation,
    MemberRole,
    Membership,
    OutcomeModel,
    PastProgram,
    Role,
    Status,
)
from evaluator.services import outcomes as outcome_service
from evaluator.services.demo import seed_demo
from tests.conftest import post

CSV = "vendor,program,success,setbacks\nAcme Delivery,Web1,1,4\nOld Co,Web2,0,2\n"


@pytest.fixture
def fast_training(monkeypatch):
    original = outcome_service.train_model
    monkeypatch.setattr(outcome_service, "train_model", functools.partial(
        original, n_repeats=1, bootstrap=20, effect_bootstrap=10))


def programs() -> int:
    return db.session.scalar(select(func.count()).select_from(PastProgram))


def upload(client, data: str, button: str):
    return post(client, "/outcomes/import", {
        "file": (io.BytesIO(data.encode()), "history.csv"), button: "1"},
        token_from="/outcomes/", content_type="multipart/form-data")


def test_list_pages_and_filters(app, client, logged_in):
    seed_demo(db.session)
    logged_in(Role.VIEWER, email="board@example.com")
    page = client.get("/outcomes/").get_data(as_text=True)
    assert "Past programs" in page and "Page 1 of 4 (160 in all)" in page
    assert "No outcome model is trained yet." in page
    assert "Import history from CSV" not in page  # viewers cannot import
    failures = client.get("/outcomes/?outcome=failure").get_data(as_text=True)
    n_fail = db.session.scalar(select(func.count()).select_from(PastProgram)
                               .where(PastProgram.success.is_(False)))
    assert f"({n_fail} in all)" in failures and "badge-decided\">success" not in failures
    assert "No past program matches" in client.get("/outcomes/?q=zzzz").get_data(as_text=True)
    assert 'href="/outcomes/"' in page and "Past programs</a>" in page  # nav link


def test_lead_imports_directly_all_or_nothing(app, client, logged_in):
    logged_in(Role.LEAD)
    bad = upload(client, CSV.replace(",1,4", ",maybe,4"), "submit")
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "Nothing was imported." in text and "must be 0 or 1, got" in text
    assert "<td>2</td><td>success</td>" in text
    assert programs() == 0
    ok = upload(client, CSV, "submit")
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/outcomes/")
    assert programs() == 2
    assert "Imported 2 past programs" in client.get("/outcomes/").get_data(as_text=True)


def test_preview_then_confirm(app, client, logged_in):
    logged_in(Role.LEAD)
    preview = upload(client, CSV, "check")
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Preview: nothing is saved yet" in text
    assert "Old Co" in text and programs() == 0
    confirm = post(client, "/outcomes/import", {"content": CSV, "confirm": "1"},
                   token_from="/outcomes/")
    assert confirm.status_code == 302 and programs() == 2


def test_evaluators_cannot_import(app, client, logged_in):
    logged_in(Role.EVALUATOR)
    assert upload(client, CSV, "submit").status_code == 403
    assert programs() == 0


def test_model_page_train_button_is_admin_only(app, client, logged_in, fast_training):
    seed_demo(db.session)
    logged_in(Role.LEAD, email="buyer@example.com")
    page = client.get("/outcomes/model").get_data(as_text=True)
    assert "No outcome model has been trained yet" in page and "Train a new version" not in page
    assert post(client, "/outcomes/model/train", token_from="/outcomes/model").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(OutcomeModel)) == 0


def test_admin_trains_and_the_model_card_is_honest(app, client, logged_in, fast_training):
    seed_demo(db.session)
    logged_in(Role.ADMIN, email="boss@example.com")
    assert "Train a new version" in client.get("/outcomes/model").get_data(as_text=True)
    response = post(client, "/outcomes/model/train", token_from="/outcomes/model")
    assert response.status_code == 302
    model = db.session.scalar(select(OutcomeModel))
    assert model.is_active and model.version == 1 and model.trained_by.email == "boss@example.com"
    page = client.get("/outcomes/model").get_data(as_text=True)
    assert "trained and active" in page
    for text in ("advisory", "ROC AUC (chance = 0.50)", "base rate alone", "Calibration slope",
                 "grouped by vendor", "<svg", "What it learned", "Handling setbacks",
                 "generated demo data", "Limits", "160 past programs from 34 vendors",
                 "No clear direction", "More success with higher values",
                 "Effective number of vendors", "Calibration-in-the-large", "Unscorable folds",
                 "vendor-cluster bootstrap"):
        assert text in page, text
    assert f"{model.metrics['auc']['mean']:.2f}" in page


def test_versions_are_listed_and_admin_activates_an_older_one(app, client, logged_in,
                                                              fast_training):
    seed_demo(db.session)
    first = outcome_service.train_model(db.session)
    second = outcome_service.train_model(db.session, seed=1)
    logged_in(Role.ADMIN, email="boss@example.com")
    page = client.get("/outcomes/model").get_data(as_text=True)
    assert "v1" in page and "v2" in page and "Activate" in page
    response = post(client, f"/outcomes/models/{first.id}/activate", token_from="/outcomes/model")
    assert response.status_code == 302
    assert db.session.get(OutcomeModel, first.id).is_active
    assert not db.session.get(OutcomeModel, second.id).is_active
    assert client.get(f"/outcomes/models/{second.id}").status_code == 200
    assert client.get("/outcomes/models/999").status_code == 404


def test_no_skill_model_says_why_where_it_shows(app, client, logged_in, fast_training):
    seed_demo(db.session)
    for program in db.session.scalars(select(PastProgram)):  # a history from 5 vendors only
        program.vendor_name = f"Vendor {program.id % 5}"
        program.vendor_id = None
    db.session.commit()
    model = outcome_service.train_model(db.session)
    db.session.expire_all()
    stored = db.session.get(OutcomeModel, model.id)
    assert stored.metrics["skill"] == "none" and stored.coefficients == []
    assert stored.metrics["evidence"]["vendors"] == 5
    logged_in(Role.ADMIN, email="boss@example.com")
    page = client.get("/outcomes/model").get_data(as_text=True)
    for text in ("No demonstrated skill", "Predictions withheld:",
                 "needs programs from at least 10 vendors; you have 5",
                 "Effective number of vendors", "Largest vendor", "leave-one-vendor-out",
                 "Unscorable folds", "Not shown: no demonstrated skill"):
        assert text in page, text
    assert "More success with higher values" not in page and "Odds × per SD" not in page
    evaluation = db.session.scalars(select(Evaluation).order_by(Evaluation.id)).first()
    compare = client.get(f"/evaluations/{evaluation.id}/compare").get_data(as_text=True)
    assert "Predictions withheld: no demonstrated skill" in compare
    assert "you have 5" in compare
    ranking = client.get(f"/evaluations/{evaluation.id}/ranking.json").get_json()
    assert ranking["model"]["withheld_reason"].startswith("no demonstrated skill: not enough")
    assert all(v["predicted_success"] is None for v in ranking["vendors"])


def _decided_demo_evaluation() -> Evaluation:
    evaluation = db.session.scalars(select(Evaluation).order_by(Evaluation.id)).first()
    evaluation.status = Status.DECIDED.value
    db.session.add(Decision(evaluation_id=evaluation.id, vendor_id=evaluation.shortlist[0].vendor_id,
                            rationale="Chosen for execution maturity", snapshot={},
                            snapshot_sha256="0" * 64))
    db.session.commit()
    return evaluation


def test_member_records_an_outcome(app, client, logged_in):
    seed_demo(db.session)
    evaluation = _decided_demo_evaluation()
    user = logged_in(Role.EVALUATOR, email="member@example.com")
    db.session.add(Membership(evaluation_id=evaluation.id, user_id=user.id,
                              role=MemberRole.EVALUATOR.value))
    db.session.commit()
    listing = client.get("/outcomes/").get_data(as_text=True)
    assert "Decided evaluations" in listing and "Record outcome" in listing
    path = f"/outcomes/evaluations/{evaluation.id}"
    assert "Judged a success?" in client.get(path).get_data(as_text=True)
    missing = post(client, path, {"notes": "x"}, token_from=path)
    assert missing.status_code == 400 and "Say whether the program was a success." in \
        missing.get_data(as_text=True)
    response = post(client, path, {"success": "0", "on_time": "1", "on_budget": "",
                                   "notes": "Slipped a quarter"}, token_from=path)
    assert response.status_code == 302
    program = db.session.scalar(select(PastProgram).where(
        PastProgram.evaluation_id == evaluation.id))
    assert (program.success, program.on_time, program.on_budget) == (False, True, None)
    assert program.notes == "Slipped a quarter" and "setbacks" in program.features
    assert "Edit outcome" in client.get("/outcomes/").get_data(as_text=True)


def test_outcome_of_an_undecided_evaluation_is_refused(app, client, logged_in):
    seed_demo(db.session)
    logged_in(Role.ADMIN, email="boss@example.com")
    evaluation = db.session.scalars(select(Evaluation).order_by(Evaluation.id)).first()
    path = f"/outcomes/evaluations/{evaluation.id}"
    assert "not decided yet" in client.get(path).get_data(as_text=True)
    response = post(client, path, {"success": "1"}, token_from=path, follow_redirects=True)
    assert "only once the evaluation is decided" in response.get_data(as_text=True)
    assert programs() == 160


def test_non_members_get_404_on_the_outcome_form(app, client, logged_in):
    seed_demo(db.session)
    evaluation = _decided_demo_evaluation()
    logged_in(Role.LEAD, email="outsider@example.com")
    assert client.get(f"/outcomes/evaluations/{evaluation.id}").status_code == 404
    assert "Decided evaluations" not in client.get("/outcomes/").get_data(as_text=True)


def test_train_and_activate_declare_admin(app):
    for endpoint in ("outcomes.train", "outcomes.activate"):
        assert app.view_functions[endpoint].required_roles == {"admin"}
    assert app.view_functions["outcomes.import_csv"].required_roles == {"lead", "admin"}
