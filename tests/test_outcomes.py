"""Outcome service and CLI: CSV import (all or nothing), recording, training, ranking predictions."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from evaluator.extensions import db
from evaluator.models import (
    CaseStudy,
    Decision,
    Evaluation,
    OutcomeModel,
    PastProgram,
    Score,
    ShortlistEntry,
    Status,
    Vendor,
)
from evaluator.scoring.outcome import InsufficientData, OutcomeModelError
from evaluator.scoring.report import ranking_object
from evaluator.services import analysis as analysis_service
from evaluator.services import outcome_import
from evaluator.services import outcomes as service
from evaluator.services.demo import seed_demo
from evaluator.services.outcomes import dossier_features

FAST = {"n_repeats": 2, "bootstrap": 50, "effect_bootstrap": 20}
GOOD = (
    "vendor,program,success,year,on_time,on_budget,notes,setbacks,team_size\n"
    "Acme Delivery,Ledger migration,1,2021,1,0,Went live in March,4.2,12\n"
    "Zenith Old Co,CRM rollout,0,2019,,,\"Cancelled, scope creep\",2.1,\n"
)


def count(model=PastProgram) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def analysis_for(evaluation):
    scores = analysis_service.submitted_scores(db.session, evaluation.id)
    return analysis_service.analyse(analysis_service.build_inputs(evaluation, scores))


def first_evaluation() -> Evaluation:
    return db.session.scalars(select(Evaluation).order_by(Evaluation.id)).first()


def decide(evaluation: Evaluation, *, snapshot: dict | None = None) -> Decision:
    vendor_id = evaluation.shortlist[0].vendor_id
    decision = Decision(evaluation_id=evaluation.id, vendor_id=vendor_id,
                        rationale="Best execution maturity", snapshot=snapshot or {},
                        snapshot_sha256="0" * 64)
    evaluation.status = Status.DECIDED.value
    db.session.add(decision)
    db.session.commit()
    return decision


# --- import -------------------------------------------------------------------------------------


def test_import_stores_every_row_with_features_and_vendor_match(app):
    seed_demo(db.session)
    before = count()
    preview = outcome_import.import_outcomes(db.session, GOOD.encode("utf-8-sig"))
    assert len(preview.rows) == 2 and preview.features == ["setbacks", "team_size"]
    db.session.expire_all()
    acme = db.session.scalar(select(PastProgram).where(PastProgram.program == "Ledger migration"))
    old = db.session.scalar(select(PastProgram).where(PastProgram.program == "CRM rollout"))
    assert count() == before + 2
    assert acme.vendor_id is not None and acme.vendor.name == "Acme Delivery"
    assert (acme.success, acme.on_time, acme.on_budget, acme.year) == (True, True, False, 2021)
    assert acme.features == {"setbacks": 4.2, "team_size": 12.0}
    assert old.vendor_id is None and old.on_time is None and old.notes == "Cancelled, scope creep"
    assert old.features == {"setbacks": 2.1} and not old.is_demo


def test_bad_rows_are_all_reported_by_line_and_column_and_nothing_is_saved(app):
    bad = (
        "vendor,program,success,year,setbacks\n"
        "A,P1,1,2020,3.5\n"
        "A,P2,yes,2020,3.5\n"
        ",P3,0,20x,3\n"
        "B,P4,0,2020,high\n"
        "A,p1,0,2020,2\n"
        "B,P5,1\n"
    )
    with pytest.raises(outcome_import.OutcomeImportError) as info:
        outcome_import.import_outcomes(db.session, bad)
    found = {(e.line, e.column) for e in info.value.errors}
    assert found == {(3, "success"), (4, "vendor"), (4, "year"), (5, "setbacks"),
                     (6, "program"), (7, None)}
    messages = [str(e) for e in info.value.errors]
    assert "line 3, column 'success': must be 0 or 1, got 'yes'" in messages
    assert "line 6, column 'program': repeats line 2 (same vendor and program)" in messages
    assert "line 7: has 3 cells; the header has 5" in messages
    assert count() == 0


def test_header_problems_and_duplicates_of_recorded_programs(app):
    with pytest.raises(outcome_import.OutcomeImportError) as info:
        outcome_import.import_outcomes(db.session, "vendor,program,score,score\nA,B,1,2\n")
    messages = [str(e) for e in info.value.errors]
    assert any("column 'success': required column is missing" in m for m in messages)
    assert any("column 'score': this column appears twice" in m for m in messages)
    outcome_import.import_outcomes(db.session, GOOD)
    with pytest.raises(outcome_import.OutcomeImportError) as info:
        outcome_import.import_outcomes(db.session, GOOD.replace("CRM rollout", "New one"))
    assert [str(e) for e in info.value.errors] == [
        "line 2, column 'program': 'Ledger migration' by 'Acme Delivery' is already recorded"]
    assert count() == 2


def test_cli_import_outcomes(app, tmp_path):
    runner = app.test_cli_runner()
    path = tmp_path / "history.csv"
    path.write_text(GOOD.replace(",4.2,", ",4.2.1,"), encoding="utf-8")
    result = runner.invoke(args=["import-outcomes", str(path)])
    assert result.exit_code == 1
    assert "nothing was imported" in result.output
    assert "line 2, column 'setbacks': must be a number" in result.output
    assert count() == 0
    path.write_text(GOOD, encoding="utf-8")
    result = runner.invoke(args=["import-outcomes", "--dry-run", str(path)])
    assert result.exit_code == 0 and "Would import 2 past programs" in result.output
    assert count() == 0
    result = runner.invoke(args=["import-outcomes", str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported 2 past programs (1 successes)" in result.output
    assert count() == 2


# --- training -----------------------------------------------------------------------------------


def test_training_refuses_too_little_data_and_saves_nothing(app):
    outcome_import.import_outcomes(db.session, GOOD)
    with pytest.raises(InsufficientData, match="at least 30 past programs"):
        service.train_model(db.session, **FAST)
    db.session.rollback()
    assert count(OutcomeModel) == 0


def test_demo_data_trains_and_every_version_is_kept(app):
    seed_demo(db.session)
    first = service.train_model(db.session, **FAST)
    second = service.train_model(db.session, seed=1, **FAST)
    db.session.expire_all()
    models = service.list_models(db.session)
    assert [m.version for m in models] == [2, 1]
    assert [m.is_active for m in models] == [True, False]
    m = db.session.get(OutcomeModel, first.id)
    assert m.n_programs == 160 and m.metrics["data"]["demo"] is True
    assert m.metrics["auc"]["mean"] > 0.7 and m.metrics["skill"] != "none"
    assert m.params["format"] == "evaluator-logistic-v1"  # plain numbers, no pickle
    assert "setbacks" in m.features and len(m.coefficients) == len(m.features)
    service.activate_model(db.session, first.id)
    db.session.expire_all()
    assert service.active_model(db.session).id == first.id
    assert not db.session.get(OutcomeModel, second.id).is_active


def test_real_programs_replace_the_demo_set(app):
    seed_demo(db.session)
    outcome_import.import_outcomes(db.session, GOOD)
    programs, demo = service.training_programs(db.session)
    assert not demo and len(programs) == 2
    with pytest.raises(InsufficientData, match="Demo programs are not counted"):
        service.train_model(db.session, **FAST)


def test_cli_train_model_prints_validation_and_refuses_clearly(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["train-model"])
    assert result.exit_code == 1 and "Not enough data to train the outcome model" in result.output
    seed_demo(db.session)
    result = runner.invoke(args=["train-model", "--repeats", "1"])
    assert result.exit_code == 0, result.output
    assert "Model version 1 trained on 160 past programs" in result.output
    assert "ROC AUC" in result.output and "chance 0.50" in result.output
    assert "base rate alone" in result.output and "Advisory only" in result.output
    assert count(OutcomeModel) == 1
    assert "effective number of vendors" in result.output
    assert "Calibration-in-the-large" in result.output
    result = runner.invoke(args=["outcome-models"])
    assert "v1" in result.output and "ACTIVE" in result.output


def test_cli_train_model_json_prints_the_card_or_a_one_line_refusal(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["train-model", "--json"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Not enough data to train the outcome model" in result.stderr
    assert count(OutcomeModel) == 0
    seed_demo(db.session)
    result = runner.invoke(args=["train-model", "--json", "--repeats", "2"])
    assert result.exit_code == 0, result.output
    card = json.loads(result.stdout)
    stored = db.session.scalars(select(OutcomeModel)).one()
    assert card["version"] == stored.version == 1 and card["n"] == 160
    assert card["vendors"] == stored.metrics["n_vendors"]
    programs = db.session.scalars(select(PastProgram)).all()
    shares = [sum(p.vendor_name == v for p in programs) / len(programs)
              for v in {p.vendor_name for p in programs}]
    assert card["largest_vendor_share"] == pytest.approx(max(shares), abs=1e-4)
    assert card["effective_vendors"] == pytest.approx(1 / sum(s * s for s in shares), abs=0.01)
    assert card["skill"] in {"weak", "moderate", "good"}
    assert card["auc"] == {"mean": stored.metrics["auc"]["mean"],
                           "ci95": stored.metrics["auc"]["ci95"]}
    assert card["brier_skill"]["ci95"][0] > 0 and card["auc"]["ci95"][0] > 0.5
    assert set(card["calibration"]) == {"in_the_large_points", "slope"}
    assert {e["feature"] for e in card["effects"]} == set(stored.features)


# --- predictions for the ranking ----------------------------------------------------------------


def test_model_for_ranking_without_a_model(app):
    seed_demo(db.session)
    evaluation = first_evaluation()
    assert service.model_for_ranking(db.session, evaluation, analysis_for(evaluation)) == (None, {})


def test_model_for_ranking_predicts_for_the_shortlist_and_explains(app):
    seed_demo(db.session)
    model = service.train_model(db.session, **FAST)
    evaluation = first_evaluation()
    analysis = analysis_for(evaluation)
    summary, predictions = service.model_for_ranking(db.session, evaluation, analysis)
    shortlist = {e.vendor_id for e in evaluation.shortlist}
    assert set(predictions) == shortlist
    assert all(0 <= p <= 1 for p in predictions.values())
    assert summary["advisory"] is True and summary["version"] == model.version
    assert summary["n"] == 160 and summary["cv_auc"] == model.metrics["auc"]["mean"]
    assert {"trained_at", "brier", "limits", "features", "cv_auc_ci95"} <= set(summary)
    assert "Advisory only" in summary["limits"] and "demo data" in summary["limits"]
    json.dumps(summary)  # JSON-ready for the ranking object
    ranks = sorted(v["model_rank"] for v in summary["vendors"])
    assert ranks == list(range(1, len(shortlist) + 1))
    for vendor in summary["vendors"]:
        contributions = sum(c["contribution"] for c in vendor["contributions"])
        log_odds = vendor["base_log_odds"] + contributions
        p = 1 / (1 + 2.718281828459045 ** -log_odds)
        assert p == pytest.approx(vendor["predicted_success"], abs=1e-3)
        assert {c["feature"] for c in vendor["contributions"] if c["imputed"]} == {"team_size"}
    ranking = ranking_object(analysis, evaluation_id=evaluation.id, title=evaluation.title,
                             vendor_names={}, evaluator_labels={}, model=summary,
                             predictions=predictions)
    assert all(v["predicted_success"] is not None for v in ranking["vendors"])


def test_no_prediction_without_a_criterion_mean_and_none_without_skill(app):
    seed_demo(db.session)
    model = service.train_model(db.session, **FAST)
    evaluation = first_evaluation()
    vendor_id = evaluation.shortlist[0].vendor_id
    estimation = next(c for c in evaluation.criteria if c.key == "estimation")
    for score in db.session.scalars(select(Score).where(
            Score.vendor_id == vendor_id, Score.criterion_id == estimation.id)):
        db.session.delete(score)
    db.session.commit()
    summary, predictions = service.model_for_ranking(db.session, evaluation,
                                                     analysis_for(evaluation))
    assert vendor_id not in predictions and len(predictions) == len(evaluation.shortlist) - 1
    entry = next(v for v in summary["vendors"] if v["id"] == vendor_id)
    assert entry["predicted_success"] is None and "No score yet on estimation" in entry["reason"]

    model.metrics = model.metrics | {"skill": "none", "withheld_reason": "made up for the test"}
    db.session.commit()
    summary, predictions = service.model_for_ranking(db.session, evaluation,
                                                     analysis_for(evaluation))
    assert predictions == {} and summary["predictions_withheld"] is True
    assert summary["withheld_reason"] == "no demonstrated skill: made up for the test"
    assert "Predictions withheld: no demonstrated skill: made up" in summary["limits"]
    assert all(v["reason"] == "Predictions withheld: no demonstrated skill: made up for the "
               "test." for v in summary["vendors"])
    assert service.describe_effects(model, {}) == []
    assert service.model_card(model)["effects"] == []


def test_a_model_validated_under_older_rules_is_withheld_until_retrained(app):
    seed_demo(db.session)
    model = service.train_model(db.session, **FAST)
    assert model.metrics["skill"] != "none" and service.withheld_reason(model) is None
    evaluation = first_evaluation()
    old = {k: v for k, v in model.metrics.items() if k != "validation_version"}
    model.metrics = old
    db.session.commit()
    summary, predictions = service.model_for_ranking(db.session, evaluation,
                                                     analysis_for(evaluation))
    assert predictions == {} and summary["predictions_withheld"] is True
    assert "older validation rules" in summary["withheld_reason"]
    assert service.describe_effects(model, {}) == []
    retrained = service.train_model(db.session, **FAST)
    summary, predictions = service.model_for_ranking(db.session, evaluation,
                                                     analysis_for(evaluation))
    assert summary["version"] == retrained.version and summary["withheld_reason"] is None
    assert len(predictions) == len(evaluation.shortlist)


def test_ranking_cli_json_carries_the_model(app):
    seed_demo(db.session)
    service.train_model(db.session, **FAST)
    evaluation = first_evaluation()
    result = app.test_cli_runner().invoke(args=["ranking", str(evaluation.id), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"version", "trained_at", "n", "cv_auc", "brier"} <= set(data["model"])
    assert all(0 <= v["predicted_success"] <= 1 for v in data["vendors"])


# --- recording an outcome -----------------------------------------------------------------------


def test_record_outcome_needs_a_decision_and_stores_award_time_means(app):
    seed_demo(db.session)
    evaluation = first_evaluation()
    with pytest.raises(service.OutcomeError, match="only once the evaluation is decided"):
        service.record_outcome(db.session, evaluation, success=True, on_time=None,
                               on_budget=None, notes="")
    decision = decide(evaluation, snapshot={"ranking": {"vendors": [
        {"id": evaluation.shortlist[0].vendor_id, "criterion_means": {"setbacks": 4.5,
                                                                     "lessons": None}}]}})
    program = service.record_outcome(db.session, evaluation, success=False, on_time=True,
                                     on_budget=None, notes=" Late go-live ")
    db.session.expire_all()
    program = db.session.get(PastProgram, program.id)
    assert program.vendor_id == decision.vendor_id and program.evaluation_id == evaluation.id
    assert program.features == {"setbacks": 4.5}
    assert (program.success, program.on_time, program.on_budget) == (False, True, None)
    assert program.notes == "Late go-live" and program.program == evaluation.title
    service.record_outcome(db.session, evaluation, success=True, on_time=True, on_budget=True,
                           notes="Recovered")
    db.session.expire_all()
    assert count() == 161 and db.session.get(PastProgram, program.id).success is True


def test_record_outcome_without_snapshot_uses_the_scores(app):
    seed_demo(db.session)
    evaluation = first_evaluation()
    decide(evaluation)
    program = service.record_outcome(db.session, evaluation, success=True, on_time=None,
                                     on_budget=None, notes="")
    means = next(r.criterion_means for r in analysis_for(evaluation).ranking.results
                 if r.vendor == program.vendor_id)
    assert program.features == {k: v for k, v in means.items() if v is not None}


def test_model_errors_are_domain_errors():
    assert issubclass(InsufficientData, OutcomeModelError)


def test_relevant_evidence_is_a_pre_award_feature_filled_from_the_dossier(app):
    evaluation = Evaluation(title="Features", context={"sector": "Energy"})
    vendor = Vendor(name="Feature Co", case_studies=[
        CaseStudy(title="Grid", client_sector="Energy", planned_months=10, actual_months=9),
        CaseStudy(title="Shop", client_sector="Retail")])
    evaluation.shortlist.append(ShortlistEntry(vendor=vendor))
    db.session.add(evaluation)
    db.session.commit()
    features = dossier_features(db.session, evaluation)[vendor.id]
    assert features == {"relevant_case_studies": 1.0, "relevant_on_time_share": 1.0,
                        "mean_relevance": 0.5}
