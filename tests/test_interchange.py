"""The evaluation interchange format: `flask import-evaluation`, `export-evaluation`, `ranking`.

Assertions re-read the database; refused files must leave every table exactly as it was.
"""

from __future__ import annotations

import copy
import json
import json as _json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from evaluator.extensions import db
from evaluator.extensions import db as _db
from evaluator.models import (
    CaseStudy,
    Evaluation,
    Membership,
    Role,
    Score,
    User,
    Vendor,
)
from evaluator.models import Evaluation as _Evaluation
from evaluator.services import analysis as analysis_service
from evaluator.services import interchange
from evaluator.services.demo import seed_demo
from tests.conftest import make_user

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "evaluation.json"
MINIMAL = json.loads(EXAMPLE.read_text())


def row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def import_file(app, tmp_path, content, name="evaluation.json"):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content))
    return run(app, "import-evaluation", str(path)), path


def imported_id(result) -> int:
    assert result.exit_code == 0, result.output
    return int(result.stdout.strip().splitlines()[-1])


def export(app, evaluation_id) -> dict:
    result = run(app, "export-evaluation", str(evaluation_id))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def ranking(app, evaluation_id, *extra) -> dict:
    analysis_service.clear_cache()  # compute afresh: equality must not come from the cache
    result = run(app, "ranking", str(evaluation_id), "--json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def without_evaluation_id(obj: dict) -> dict:
    out = copy.deepcopy(obj)
    out["evaluation"].pop("id")
    return out


# --- the minimal example ------------------------------------------------------------------------


def test_example_file_is_the_issue_minimal_example():
    assert MINIMAL["format"] == "evaluator/evaluation@1"
    assert set(MINIMAL) == {"format", "title", "scale", "criteria", "vendors", "evaluators",
                            "scores", "lenses"}
    assert MINIMAL["scores"] == [{
        "evaluator": "ana@example.com", "vendor": "Acme Delivery", "criterion": "setbacks",
        "value": 4, "rationale": "Owned the 2023 data-migration slip and re-planned."}]


def test_minimal_example_imports_as_is(app):
    db.session.add(Vendor(name="Acme Delivery", country="PT"))
    make_user("raj@example.com", role=Role.EVALUATOR, name="Raj")
    db.session.commit()
    acme_id = db.session.scalar(select(Vendor.id).where(Vendor.name == "Acme Delivery"))

    result = run(app, "import-evaluation", str(EXAMPLE))
    evaluation_id = imported_id(result)
    assert "1 matched in the register, 1 created" in result.stdout

    db.session.expire_all()
    evaluation = db.session.get(Evaluation, evaluation_id)
    assert evaluation.title == "Backend modernisation partner"
    assert (evaluation.scale_min, evaluation.scale_max) == (1, 5)
    assert evaluation.status == "scoring"
    assert [(c.key, c.name, c.weight, c.knockout_below) for c in evaluation.criteria] == [
        ("setbacks", "Handling setbacks", 30.0, None), ("lessons", "Lessons learned", 20.0, None)]
    assert [(lens.name, lens.weights) for lens in evaluation.lenses] == [
        ("Finance", {"setbacks": 10, "lessons": 30})]
    # Vendors: matched by name (the existing row, unchanged), created when absent.
    shortlisted = [e.vendor for e in evaluation.shortlist]
    assert [v.name for v in shortlisted] == ["Acme Delivery", "Borealis Systems"]
    assert shortlisted[0].id == acme_id and shortlisted[0].country == "PT"
    assert db.session.scalar(select(func.count()).select_from(Vendor)) == 2
    # Evaluators: existing account reused (password kept), missing one created without one.
    ana = db.session.scalar(select(User).where(User.email == "ana@example.com"))
    raj = db.session.scalar(select(User).where(User.email == "raj@example.com"))
    assert ana.password_hash is None and ana.role == "evaluator"
    assert raj.password_hash is not None and raj.name == "Raj"
    members = {m.user.email: m for m in evaluation.members}
    assert {e: m.role for e, m in members.items()} == {
        "ana@example.com": "evaluator", "raj@example.com": "evaluator"}
    assert members["ana@example.com"].submitted_at is not None  # imported scores are submitted
    assert members["raj@example.com"].submitted_at is None  # no scores in the file
    # Scores: one, submitted, with its rationale.
    scores = list(db.session.scalars(select(Score).where(Score.evaluation_id == evaluation_id)))
    assert [(s.evaluator.email, s.vendor.name, s.criterion.key, s.value, s.submitted,
             s.insufficient_evidence, s.rationale) for s in scores] == [
        ("ana@example.com", "Acme Delivery", "setbacks", 4.0, True, False,
         "Owned the 2023 data-migration slip and re-planned.")]


def test_abstention_is_stored_and_is_not_a_value(app, tmp_path):
    doc = copy.deepcopy(MINIMAL)
    doc["scores"].append({"evaluator": "raj@example.com", "vendor": "Acme Delivery",
                          "criterion": "setbacks", "value": None, "insufficient_evidence": True,
                          "rationale": "No case study covers a slip."})
    result, _ = import_file(app, tmp_path, doc)
    evaluation_id = imported_id(result)
    assert "1 score and 1 abstention" in result.stdout
    abstention = db.session.scalar(select(Score).join(User, Score.evaluator_id == User.id).where(
        Score.evaluation_id == evaluation_id, User.email == "raj@example.com"))
    assert abstention.value is None and abstention.insufficient_evidence and abstention.submitted
    exported = export(app, evaluation_id)
    assert exported["scores"][1] == {
        "evaluator": "raj@example.com", "vendor": "Acme Delivery", "criterion": "setbacks",
        "value": None, "insufficient_evidence": True, "rationale": "No case study covers a slip.",
        "evidence": []}
    # The abstention does not count as a value: the mean is ana's 4 alone.
    acme = next(v for v in ranking(app, evaluation_id)["vendors"] if v["name"] == "Acme Delivery")
    assert acme["criterion_means"]["setbacks"] == 4.0


# --- round trip ---------------------------------------------------------------------------------


def rich_document(case_study_id: int) -> dict:
    return {
        "format": "evaluator/evaluation@1",
        "title": "Data platform partner",
        "program_context": "Replace the nightly batch with streaming by Q3.",
        "status": "review",
        "scale": {"min": 0, "max": 10},
        "criteria": [
            {"key": "setbacks", "name": "Handling setbacks", "weight": 40, "knockout_below": 3,
             "description": "Candour about what went wrong.",
             "anchors": {"0": "Denies any setback.", "10": "Several candid examples."}},
            {"key": "lessons", "name": "Lessons learned", "weight": 35.5},
            {"key": "cost", "name": "Cost control", "weight": 24.5, "knockout_below": None},
        ],
        "vendors": [{"name": "Acme Delivery"}, {"name": "Borealis Systems"},
                    {"name": "Cobalt Works"}],
        "evaluators": [
            {"email": "lead@example.com", "role": "lead"},
            {"email": "Ana@Example.com", "name": "Ana Costa"},
            {"email": "raj@example.com", "role": "evaluator"},
            {"email": "mei@example.com", "name": "Mei", "role": "evaluator"},
            {"email": "cto@example.com", "role": "observer"},
        ],
        "scores": [
            {"evaluator": "ana@example.com", "vendor": "Acme Delivery", "criterion": "setbacks",
             "value": 8, "rationale": "Owned the slip.",
             "evidence": [{"type": "case_study", "id": case_study_id}]},
            {"evaluator": "ana@example.com", "vendor": "Acme Delivery", "criterion": "lessons",
             "value": 7.5},
            {"evaluator": "ana@example.com", "vendor": "Acme Delivery", "criterion": "cost",
             "value": 6},
            {"evaluator": "ana@example.com", "vendor": "Borealis Systems",
             "criterion": "setbacks", "value": 2},
            {"evaluator": "ana@example.com", "vendor": "Borealis Systems", "criterion": "lessons",
             "value": 9},
            {"evaluator": "ana@example.com", "vendor": "Borealis Systems", "criterion": "cost",
             "value": 9},
            {"evaluator": "raj@example.com", "vendor": "Acme Delivery", "criterion": "setbacks",
             "value": 6},
            {"evaluator": "raj@example.com", "vendor": "Acme Delivery", "criterion": "cost",
             "value": None, "insufficient_evidence": True, "rationale": "No figures given."},
            {"evaluator": "raj@example.com", "vendor": "Cobalt Works", "criterion": "setbacks",
             "value": 7},
            {"evaluator": "raj@example.com", "vendor": "Cobalt Works", "criterion": "lessons",
             "value": 6},
            {"evaluator": "raj@example.com", "vendor": "Cobalt Works", "criterion": "cost",
             "value": 8},
            {"evaluator": "mei@example.com", "vendor": "Cobalt Works", "criterion": "setbacks",
             "value": 5},
            {"evaluator": "mei@example.com", "vendor": "Acme Delivery", "criterion": "lessons",
             "value": 8},
        ],
        "lenses": [
            {"name": "Finance", "weights": {"cost": 60, "setbacks": 20}},
            {"name": "Compliance", "description": "Audit trails first.",
             "weights": {"setbacks": 1, "lessons": 1}},
        ],
        "conflicts": [{"evaluator": "mei@example.com", "vendor": "Borealis Systems",
                       "note": "Former employee."}],
    }


def test_export_import_round_trip_is_exact_and_ranks_the_same(app, tmp_path):
    make_user("lead@example.com", role=Role.LEAD)
    acme = Vendor(name="Acme Delivery")
    acme.case_studies.append(CaseStudy(title="Core banking migration"))
    db.session.add(acme)
    db.session.commit()
    doc = rich_document(acme.case_studies[0].id)

    first_id = imported_id(import_file(app, tmp_path, doc, "first.json")[0])
    first = export(app, first_id)
    assert first["scale"] == {"min": 0, "max": 10}
    assert first["criteria"][0]["anchors"] == {"0": "Denies any setback.",
                                               "10": "Several candid examples."}
    assert first["criteria"][1]["weight"] == 35.5
    assert first["evaluators"][1] == {"email": "ana@example.com", "name": "Ana Costa",
                                      "role": "evaluator"}
    assert first["conflicts"] == [{"evaluator": "mei@example.com", "vendor": "Borealis Systems",
                                   "note": "Former employee."}]
    assert first["status"] == "review" and len(first["scores"]) == len(doc["scores"])

    second_id = imported_id(import_file(app, tmp_path, first, "second.json")[0])
    assert second_id != first_id
    assert export(app, second_id) == first  # exact: the document carries no ids
    # Re-import matched every vendor and account: nothing duplicated.
    assert db.session.scalar(select(func.count()).select_from(Vendor)) == 3
    assert db.session.scalar(select(func.count()).select_from(User)) == 5
    for lens in ((), ("--lens", "Finance"), ("--lens", "Compliance")):
        one, two = ranking(app, first_id, *lens), ranking(app, second_id, *lens)
        assert one["evaluation"]["id"] == first_id and two["evaluation"]["id"] == second_id
        assert without_evaluation_id(one) == without_evaluation_id(two)
    # The lead who was already a procurement lead leads; the observer got a viewer account.
    cto = db.session.scalar(select(User).where(User.email == "cto@example.com"))
    assert cto.role == "viewer" and cto.password_hash is None


def test_demo_evaluations_round_trip(app, tmp_path):
    seed_demo(db.session)
    for evaluation_id in db.session.scalars(select(Evaluation.id).order_by(Evaluation.id)):
        original = export(app, evaluation_id)
        assert original["scores"], "demo evaluations have submitted scores"
        copy_id = imported_id(import_file(app, tmp_path, original, f"demo{evaluation_id}.json")[0])
        assert export(app, copy_id) == original
        assert without_evaluation_id(ranking(app, copy_id)) == without_evaluation_id(
            ranking(app, evaluation_id))


# --- bad files: refused with the path and reason, nothing written -------------------------------


def _doc(**changes):
    doc = copy.deepcopy(MINIMAL)
    for dotted, value in changes.items():
        target, *keys = dotted.split("__")
        node = doc
        parts = [target, *keys]
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node[part]
        last = parts[-1]
        if isinstance(node, list):
            node[int(last)] = value
        elif value is _DELETE:
            del node[last]
        else:
            node[last] = value
    return doc


_DELETE = object()
SCORE = {"evaluator": "ana@example.com", "vendor": "Acme Delivery", "criterion": "setbacks",
         "value": 4}


def _scores(*overrides):
    return [dict(SCORE, criterion=c, vendor=v, evaluator=e)
            for e, v, c in [("ana@example.com", "Acme Delivery", "setbacks"),
                            ("ana@example.com", "Acme Delivery", "lessons"),
                            ("raj@example.com", "Acme Delivery", "setbacks")]] + list(overrides)


BAD_DOCUMENTS = {
    "syntax error": (
        '{"format": "evaluator/evaluation@1",\n "title": "x",\n "scale": {"min": 1 "max": 5}}',
        "line 3, column 21: invalid JSON: Expecting ',' delimiter"),
    "trailing comma": ('{"format": "evaluator/evaluation@1",}\n',
                       "line 1, column 37: invalid JSON"),
    "not an object": ("[1, 2]", "$: must be an object, got a list"),
    "not utf-8": (b'{"title": "\xff"}', "byte 11: the file is not UTF-8 text"),
    "missing format": (_doc(format=_DELETE), "$.format: is required"),
    "wrong format": (_doc(format="acme/rfp@1"), "$.format: must be 'evaluator/evaluation@1'"),
    "future version": (_doc(format="evaluator/evaluation@2"), "$.format: unsupported version"),
    "missing title": (_doc(title=_DELETE), "$.title: is required"),
    "blank title": (_doc(title="  "), "$.title: must not be empty"),
    "NUL in title": (_doc(title="a\x00b"), "$.title: contains the control character U+0000"),
    "unknown top-level field": (_doc(owner="me"), "$.owner: unknown field"),
    "scale reversed": (_doc(scale={"min": 5, "max": 1}), "$.scale: scale min must be below max"),
    "scale fraction": (_doc(scale={"min": 1, "max": 4.5}), "$.scale.max: must be a whole number"),
    "scale missing max": (_doc(scale={"min": 1}), "$.scale.max: is required"),
    "no criteria": (_doc(criteria=[]), "$.criteria: must list at least one criterion"),
    "duplicate criterion key": (
        _doc(criteria__1__key="setbacks"), "$.criteria[1].key: criterion key 'setbacks' is used twice"),
    "misspelt field": (_doc(criteria__1={"key": "lessons", "name": "L", "wieght": 2}),
                       "$.criteria[1].wieght: unknown field"),
    "negative weight": (_doc(criteria__0__weight=-1), "$.criteria[0].weight: must not be negative"),
    "weight as text": (_doc(criteria__0__weight="30"),
                       "$.criteria[0].weight: must be a number, got a string"),
    "all weights zero": (_doc(criteria__0__weight=0, criteria__1__weight=0),
                         "$.criteria: all weights are zero"),
    "knockout off the scale": (_doc(criteria__0__knockout_below=6),
                               "$.criteria[0].knockout_below: 6 is outside the scale 1-5"),
    "anchor off the scale": (_doc(criteria__0__anchors={"1": "a", "7": "b"}),
                             '$.criteria[0].anchors["7"]: is not a level of the scale 1-5'),
    "bad member role": (_doc(evaluators__1={"email": "raj@example.com", "role": "boss"}),
                        "$.evaluators[1].role: must be one of lead, evaluator, observer"),
    "bad email": (_doc(evaluators__1={"email": "raj"}), "$.evaluators[1].email: 'raj' is not"),
    "duplicate evaluator": (_doc(evaluators__1={"email": "ANA@example.com"}),
                            "$.evaluators[1].email: ana@example.com is listed twice"),
    "duplicate vendor": (_doc(vendors__1={"name": "acme delivery"}),
                         "$.vendors[1].name: vendor 'acme delivery' is listed twice"),
    "decided status": (_doc(status="decided"), "$.status: a decided evaluation cannot be imported"),
    "unknown status": (_doc(status="open"), "$.status: must be one of draft, scoring, review"),
    "value off the scale": (_doc(scores=_scores(dict(SCORE, value=7, criterion="lessons",
                                                     evaluator="raj@example.com"))),
                            "$.scores[3].value: 7 is outside the scale 1-5"),
    "unknown evaluator": (_doc(scores__0__evaluator="eve@example.com"),
                          "$.scores[0].evaluator: 'eve@example.com' is not one of the file's"),
    "unknown vendor": (_doc(scores__0__vendor="Zeta"),
                       "$.scores[0].vendor: 'Zeta' is not one of the file's vendors"),
    "unknown criterion": (_doc(scores__0__criterion="price"),
                          "$.scores[0].criterion: must be one of the criterion keys"),
    "duplicate score": (_doc(scores=_scores(dict(SCORE, value=2))),
                        "$.scores[3]: duplicate score: $.scores[0] already scores"),
    "value and abstention": (_doc(scores__0__insufficient_evidence=True),
                             "$.scores[0]: gives both a value and insufficient_evidence"),
    "null without abstention": (_doc(scores__0__value=None),
                                "$.scores[0].value: give a number on the scale, or null"),
    "NaN value": ('{"format": "evaluator/evaluation@1", "title": "t", "scale": {"min": 1, '
                  '"max": 5}, "criteria": [{"key": "a", "name": "A", "weight": 1}], '
                  '"vendors": [{"name": "V"}], "evaluators": [{"email": "a@example.com"}], '
                  '"scores": [{"evaluator": "a@example.com", "vendor": "V", "criterion": "a", '
                  '"value": NaN}]}', "$.scores[0].value: must be a number or null, got NaN"),
    "duplicate key": ('{"format": "evaluator/evaluation@1", "title": "t", "title": "u", '
                      '"scale": {"min": 1, "max": 5}, '
                      '"criteria": [{"key": "a", "name": "A", "weight": 1}]}',
                      "$.title: appears twice in the same object"),
    "observer scores": (_doc(evaluators__1={"email": "raj@example.com", "role": "observer"},
                             scores__0__evaluator="raj@example.com"),
                        "$.scores[0].evaluator: raj@example.com takes part as observer"),
    "scores a conflicted vendor": (
        _doc(conflicts=[{"evaluator": "ana@example.com", "vendor": "Acme Delivery"}]),
        "$.scores[0]: ana@example.com declared a conflict of interest"),
    "lens names unknown criterion": (_doc(lenses__0__weights={"setbacks": 1, "price": 2}),
                                     "$.lenses[0].weights.price: unknown criterion 'price'"),
    "lens weights all zero": (_doc(lenses__0__weights={"setbacks": 0}),
                              "$.lenses[0].weights: all weights are zero"),
    "lens negative weight": (_doc(lenses__0__weights={"setbacks": -2}),
                             "$.lenses[0].weights.setbacks: must not be negative"),
    "lens reserved name": (_doc(lenses__0__name="Base weights"),
                           "$.lenses[0].name: 'Base weights' is reserved"),
    "evidence malformed": (_doc(scores__0__evidence=[{"type": "blog", "id": 1}]),
                           '$.scores[0].evidence[0].type: must be "case_study" or "answer"'),
}


@pytest.mark.parametrize("case", sorted(BAD_DOCUMENTS))
def test_bad_file_is_refused_with_path_and_reason_writing_nothing(app, tmp_path, case):
    content, expected = BAD_DOCUMENTS[case]
    make_user("raj@example.com")
    before = row_counts()
    result, path = import_file(app, tmp_path, content)
    assert result.exit_code != 0
    assert f"{path}: {expected}" in result.output, result.output
    assert "nothing was imported" in result.output
    assert result.stdout == ""  # no id, no summary
    db.session.rollback()
    assert row_counts() == before


def test_every_problem_is_reported_at_once(app, tmp_path):
    doc = _doc(title="", criteria__0__weight=-1, scores__0__value=9)
    result, path = import_file(app, tmp_path, doc)
    assert result.exit_code != 0
    assert "$.title" in result.output and "$.criteria[0].weight" in result.output
    assert "$.scores[0].value" in result.output
    assert "refused (3 problems)" in result.output


def test_missing_file_is_a_clear_error(app, tmp_path):
    result = run(app, "import-evaluation", str(tmp_path / "nope.json"))
    assert result.exit_code != 0
    assert "nope.json: cannot read the file" in result.output


@pytest.mark.parametrize("case", ["archived vendor", "evidence of another vendor",
                                  "lead without the lead role"])
def test_refusals_found_in_the_database_write_nothing(app, tmp_path, case):
    other = Vendor(name="Other Co")
    other.case_studies.append(CaseStudy(title="Elsewhere"))
    db.session.add(other)
    make_user("raj@example.com", role=Role.EVALUATOR)
    db.session.commit()
    if case == "archived vendor":
        db.session.add(Vendor(name="Borealis Systems", archived_at=datetime.now(UTC)))
        db.session.commit()
        doc, expected = MINIMAL, "$.vendors[1].name: vendor 'Borealis Systems' is archived"
    elif case == "evidence of another vendor":
        doc = _doc(scores__0__evidence=[{"type": "case_study", "id": other.case_studies[0].id}])
        expected = (f"$.scores[0].evidence[0]: case_study {other.case_studies[0].id} is not "
                    "evidence of 'Acme Delivery'")
    else:
        doc = _doc(evaluators__1={"email": "raj@example.com", "role": "lead"})
        expected = "$.evaluators[1].role: raj@example.com is not a procurement lead"
    before = row_counts()
    result, path = import_file(app, tmp_path, doc)
    assert result.exit_code != 0
    assert f"{path}: {expected}" in result.output, result.output
    db.session.rollback()
    assert row_counts() == before


def test_a_failure_while_writing_rolls_everything_back(app, monkeypatch):
    spec = interchange.parse_document(EXAMPLE.read_bytes())
    before = row_counts()

    def broken_score(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(interchange.importing, "Score", broken_score)
    with pytest.raises(RuntimeError):
        interchange.import_evaluation(db.session, spec)
    assert row_counts() == before  # vendors and accounts were flushed, then rolled back
    assert db.session.scalar(select(func.count()).select_from(Membership)) == 0


# --- export and ranking commands ----------------------------------------------------------------


def test_export_of_unknown_evaluation_is_a_clear_error(app):
    result = run(app, "export-evaluation", "999")
    assert result.exit_code != 0
    assert "There is no evaluation with id 999." in result.output


def test_ranking_json_has_the_documented_keys(app, tmp_path):
    make_user("lead@example.com", role=Role.LEAD)
    acme = Vendor(name="Acme Delivery")
    acme.case_studies.append(CaseStudy(title="Core banking migration"))
    db.session.add(acme)
    db.session.commit()
    evaluation_id = imported_id(import_file(app, tmp_path, rich_document(
        acme.case_studies[0].id))[0])
    data = ranking(app, evaluation_id)
    assert data["evaluation"] == {"id": evaluation_id, "title": "Data platform partner"}
    assert data["lens"] is None
    assert data["scale"] == {"min": 0, "max": 10}
    assert [c["key"] for c in data["criteria"]] == ["setbacks", "lessons", "cost"]
    for criterion in data["criteria"]:
        assert {"key", "name", "weight", "agreement_alpha"} <= set(criterion)
    assert sum(c["weight"] for c in data["criteria"]) == pytest.approx(1.0)
    assert data["criteria"][0]["weight"] == pytest.approx(0.4)
    vendor_keys = {"id", "name", "rank", "score", "knocked_out", "incomplete",
                   "criterion_means", "p_rank1", "predicted_success"}
    for vendor in data["vendors"]:
        assert vendor_keys <= set(vendor)
        assert set(vendor["criterion_means"]) == {"setbacks", "lessons", "cost"}
    ranks = [v["rank"] for v in data["vendors"] if v["rank"] is not None]
    assert ranks == sorted(ranks)
    by_name = {v["name"]: v for v in data["vendors"]}
    assert set(by_name) == {"Acme Delivery", "Borealis Systems", "Cobalt Works"}
    # Borealis: setbacks mean 2 is below the knockout of 3.
    assert by_name["Borealis Systems"]["knocked_out"] is True
    assert by_name["Acme Delivery"]["criterion_means"]["setbacks"] == pytest.approx(7.0)
    assert "agreement_alpha" in data
    assert {"samples", "flip_weights"} <= set(data["sensitivity"])
    assert set(data["sensitivity"]["flip_weights"]) == {"setbacks", "lessons", "cost"}
    assert data["model"] is None or isinstance(data["model"], dict)

    finance = ranking(app, evaluation_id, "--lens", "Finance")
    assert finance["lens"] == "Finance"
    assert {c["key"]: c["weight"] for c in finance["criteria"]} == pytest.approx(
        {"setbacks": 0.25, "lessons": 0.0, "cost": 0.75})


def test_ranking_table_is_readable(app):
    evaluation_id = imported_id(run(app, "import-evaluation", str(EXAMPLE)))
    result = run(app, "ranking", str(evaluation_id))
    assert result.exit_code == 0, result.output
    assert "Backend modernisation partner" in result.stdout
    assert "Acme Delivery" in result.stdout and "incomplete: no scores on lessons" in result.stdout
    with pytest.raises(json.JSONDecodeError):
        json.loads(result.stdout)


def test_ranking_unknown_lens_and_unknown_evaluation_are_clear_errors(app):
    evaluation_id = imported_id(run(app, "import-evaluation", str(EXAMPLE)))
    result = run(app, "ranking", str(evaluation_id), "--lens", "Marketing", "--json")
    assert result.exit_code != 0
    assert "unknown lens 'Marketing' (lenses: 'Finance')" in result.output
    assert result.stdout == ""
    result = run(app, "ranking", "4242", "--json")
    assert result.exit_code != 0
    assert "There is no evaluation with id 4242." in result.output


def test_program_context_round_trips_and_bad_context_is_refused(app, tmp_path):

    doc = {"format": "evaluator/evaluation@1", "title": "Context round trip",
           "scale": {"min": 1, "max": 5},
           "criteria": [{"key": "setbacks", "name": "Handling setbacks", "weight": 1}],
           "vendors": [{"name": "Ctx Co"}],
           "context": {"sector": "Financial services", "regimes": ["DORA"],
                       "budget_band": [1000000, 5000000]},
           "relevance_weights": {"sector": 5}}
    path = tmp_path / "ctx.json"
    path.write_text(_json.dumps(doc))
    runner = app.test_cli_runner()
    out = runner.invoke(args=["import-evaluation", str(path)])
    assert out.exit_code == 0, out.output
    evaluation_id = int(out.output.strip().splitlines()[-1])
    stored = _db.session.get(_Evaluation, evaluation_id)
    assert stored.context["regimes"] == ["DORA"] and stored.relevance_weights == {"sector": 5.0}
    exported = _json.loads(runner.invoke(args=["export-evaluation", str(evaluation_id)]).output)
    assert exported["context"] == doc["context"]
    doc["context"] = {"sector": "x", "budget_band": [5, "lots"], "colour": "red"}
    doc["title"] = "Bad context"
    path.write_text(_json.dumps(doc))
    out = runner.invoke(args=["import-evaluation", str(path)])
    assert out.exit_code != 0
    assert "$.context.budget_band" in out.output and "$.context.colour" in out.output
    assert _db.session.query(_Evaluation).filter_by(title="Bad context").count() == 0
