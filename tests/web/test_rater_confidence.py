"""One evaluator decides the winner: the comparison page, the ranking JSON and the memo say how
sure the ranking is once the evaluators' disagreement counts (issue 21)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from evaluator import memos
from evaluator.extensions import db
from evaluator.models import Evaluation, Score
from evaluator.services import memos as memo_service
from evaluator.services.demo import seed_demo
from tests.conftest import login
from tests.pdf.conftest import pdf_text


@pytest.fixture
def decided_by_one(app):
    """The demo review (3 evaluators, 5 vendors) rescored: the first two evaluators put
    Cobalt ahead of Acme (4 vs 3), the third loves Acme (5) and not Cobalt (2): on the means
    Acme leads (3.67 vs 3.33) only because of the third; everyone else scores 1."""
    app.config["ROBUSTNESS_SAMPLES"] = 4000
    seed_demo(db.session)
    evaluation = db.session.scalars(select(Evaluation).order_by(Evaluation.id)).first()
    names = {e.vendor.name: e.vendor_id for e in evaluation.shortlist}
    evaluators = sorted(m.user_id for m in evaluation.members if m.role == "evaluator")
    assert len(evaluators) == 3
    decider = evaluators[-1]
    for s in db.session.scalars(select(Score).where(Score.evaluation_id == evaluation.id)):
        if s.vendor_id == names["Acme Delivery"]:
            value = 5 if s.evaluator_id == decider else 3
        elif s.vendor_id == names["Cobalt Consulting"]:
            value = 2 if s.evaluator_id == decider else 4
        else:
            value = 1
        s.value, s.insufficient_evidence, s.submitted = float(value), False, True
    db.session.commit()
    decider_name = next(m.user.display_name for m in evaluation.members if m.user_id == decider)
    return evaluation, names, decider, decider_name


def test_ranking_json_carries_rater_uncertainty(app, client, decided_by_one):
    evaluation, names, decider, _ = decided_by_one
    assert login(client, "cto@example.com", "demo-password-2026").status_code == 302
    data = client.get(f"/evaluations/{evaluation.id}/ranking.json").get_json()
    vendors = {v["id"]: v for v in data["vendors"]}
    acme, cobalt = vendors[names["Acme Delivery"]], vendors[names["Cobalt Consulting"]]
    assert data["winner"] == names["Acme Delivery"]
    # Acme 3 + 2 g3 vs Cobalt 4 - 2 g3 (g3: the decider's bootstrap weight, Beta(1, 2)):
    # Acme first when g3 > 1/4, P = (3/4)^2 = 0.5625, whatever the criteria weights.
    assert acme["p_rank1"] < 0.7
    assert acme["p_rank1"] == pytest.approx(0.5625, abs=0.03)
    assert sum(v["p_rank1"] for v in data["vendors"]) == pytest.approx(1.0, abs=1e-5)
    for name in ("Ironbridge Technology", "Dunmore Digital", "Granite Integration"):
        assert vendors[names[name]]["p_rank1"] == 0.0  # dominated by every evaluator
    sensitivity = data["sensitivity"]
    assert sensitivity["resamples"] == ["evaluators", "weights"]
    assert sensitivity["statistically_tied"] == [names["Cobalt Consulting"]]
    assert cobalt["p_beats_leader"] == pytest.approx(1 - acme["p_rank1"], abs=1e-6)
    drops = {d["evaluator_id"]: d for d in sensitivity["leave_one_evaluator_out"]}
    assert len(drops) == 3
    assert drops[decider]["winners"] == [names["Cobalt Consulting"]]
    assert drops[decider]["winner_changes"] is True and drops[decider]["leader_rank"] == 2
    assert [d["winner_changes"] for k, d in drops.items() if k != decider] == [False, False]


def test_comparison_page_shows_the_tie_and_the_flip(app, client, decided_by_one):
    evaluation, _, _, decider_name = decided_by_one
    assert login(client, "cto@example.com", "demo-password-2026").status_code == 302
    page = client.get(f"/evaluations/{evaluation.id}/compare").get_data(as_text=True)
    assert "Statistically tied</strong> with Cobalt Consulting" in page
    assert "draws of the evaluators and the weights" in page
    assert "Does the winner survive leaving out each evaluator?" in page
    assert f"without {decider_name}, Cobalt Consulting would be first" in page
    assert page.count("badge-warn\">changes") == 1


def test_memo_robustness_and_recommendation_use_these_figures(app, decided_by_one):
    evaluation, _, _, decider_name = decided_by_one
    memo = memo_service.build_memo(db.session, evaluation.id)
    text = " ".join(pdf_text(memos.html_to_pdf(memos.render_memo_html(memo))).split())
    assert "Recommendation: award to Acme Delivery" in text
    assert "Statistically tied with Cobalt Consulting" in text
    assert f"Without {decider_name} another vendor would be first" in text
    assert "draws of the evaluators and the weights" in text
    assert f"without {decider_name}, Cobalt Consulting would be first" in text
