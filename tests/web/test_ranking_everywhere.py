"""One ranking use case: the comparison page's JSON, the memo, the API and `flask ranking` give
the same ranking object for the same evaluation and lens (services/ranking.py)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from evaluator.extensions import db
from evaluator.models import Evaluation, User
from evaluator.services import api_tokens
from evaluator.services import memos as memo_service
from evaluator.services import outcomes as outcome_service
from evaluator.services.demo import seed_demo
from evaluator.services.ranking import Sampling
from tests.conftest import login


@pytest.fixture
def review(app):
    app.config["ROBUSTNESS_SAMPLES"] = 300
    seed_demo(db.session)
    outcome_service.train_model(db.session, n_repeats=2, bootstrap=50, effect_bootstrap=20)
    return db.session.scalars(select(Evaluation).order_by(Evaluation.id)).first()


def _plain(obj):
    return json.loads(json.dumps(obj))


@pytest.mark.parametrize("use_lens", [False, True], ids=["criteria", "lens"])
def test_page_memo_api_and_cli_give_one_ranking(app, client, review, use_lens):
    lens = review.lenses[0].name if use_lens else None
    query = {"lens": lens} if lens else {}
    assert login(client, "cto@example.com", "demo-password-2026").status_code == 302
    page = client.get(f"/evaluations/{review.id}/ranking.json", query_string=query)
    assert page.status_code == 200

    cto = db.session.scalar(select(User).where(User.email == "cto@example.com"))
    secret = api_tokens.create_token(db.session, cto, scope="read", name="t").secret
    api = app.test_client().get(f"/api/v1/evaluations/{review.id}/ranking", query_string=query,
                                headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200

    args = ["ranking", str(review.id), "--json"] + (["--lens", lens] if lens else [])
    cli = app.test_cli_runner().invoke(args=args)
    assert cli.exit_code == 0, cli.output

    memo = memo_service.build_memo(db.session, review.id, lens=lens,
                                   sampling=Sampling.from_config(app.config))

    reference = page.get_json()
    assert reference["lens"] == lens and reference["model"] is not None
    assert api.get_json() == reference
    assert json.loads(cli.output) == reference
    assert _plain(memo.ranking) == reference


def test_evaluators_are_labelled_by_display_name_with_their_id(app, review):
    out = app.test_cli_runner().invoke(args=["ranking", str(review.id), "--json"])
    leniency = json.loads(out.output)["leniency"]
    members = {m.user_id: m.user for m in review.members}
    assert leniency
    for item in leniency:
        assert item["evaluator"] == members[item["evaluator_id"]].display_name
