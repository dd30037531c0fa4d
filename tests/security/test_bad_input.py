"""Bad input gets a 4xx (or a one-line CLI error) and writes nothing: huge page numbers,
tampered hidden fields, control characters in any text field, absurd numbers in an
interchange file, CSV rows shorter than their header."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from evaluator import scoring
from evaluator.extensions import db
from evaluator.models import AuditEvent, Evaluation, Score, Vendor
from evaluator.services import limits
from evaluator.services.demo import DEMO_PASSWORD, seed_demo
from tests.api.conftest import bearer, token_for
from tests.conftest import csrf_token, login, post

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "evaluation.json"


def _counts() -> dict[str, int]:
    db.session.expire_all()
    return {t.name: db.session.scalar(select(func.count()).select_from(t))
            for t in db.metadata.sorted_tables}


@pytest.fixture
def demo_admin(client):
    seed_demo(db.session)
    assert login(client, "admin@example.com", DEMO_PASSWORD).status_code == 302
    return client


@pytest.mark.parametrize("path", ["/vendors/", "/outcomes/", "/admin/audit", "/",
                                  "/evaluations/"])
@pytest.mark.parametrize("page", ["9223372036854775807", "0", "-3", "abc", "1e9", "٣"])
def test_out_of_range_page_numbers_are_400(demo_admin, path, page):
    response = demo_admin.get(f"{path}?page={page}")
    assert response.status_code == 400
    assert "page number from 1 to 1,000,000" in response.get_data(as_text=True)


def test_the_last_allowed_page_is_an_empty_or_last_page(demo_admin):
    assert demo_admin.get(f"/vendors/?page={1_000_000}").status_code == 200
    assert demo_admin.get("/admin/audit?page=1000000").status_code == 200


@pytest.mark.parametrize("field,value", [("rows-0-version", "abc"),
                                          ("rows-0-version", "9" * 30),
                                          ("rows-0-vendor_id", "abc"),
                                          ("rows-0-criterion_id", "1e3")])
@pytest.mark.parametrize("endpoint", ["score", "score/autosave"])
def test_tampered_hidden_fields_on_the_score_form_are_400(client, field, value, endpoint):
    seed_demo(db.session)
    scoring = db.session.scalars(select(Evaluation).order_by(Evaluation.id)).all()[1]
    login(client, "tom@example.com", DEMO_PASSWORD)
    vendor_id = scoring.shortlist[0].vendor_id
    criterion_id = scoring.criteria[0].id
    data = {"rows-0-criterion_id": str(criterion_id), "rows-0-vendor_id": str(vendor_id),
            "rows-0-version": "", "rows-0-value": str(scoring.scale_min),
            "rows-0-rationale": "Handled the setback well.", field: value}
    before = _counts()
    response = post(client, f"/evaluations/{scoring.id}/{endpoint}?vendor={vendor_id}", data,
                    token_from=f"/evaluations/{scoring.id}/score?vendor={vendor_id}")
    assert response.status_code == 400
    assert _counts() == before


CONTROL = st.sampled_from([chr(c) for c in range(32) if chr(c) not in "\t\n\r"])


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(control=CONTROL, prefix=st.text(alphabet="abc XYZ", max_size=8))
def test_control_characters_are_refused_in_a_score_rationale(client, control, prefix):
    if not db.session.scalar(select(func.count()).select_from(Evaluation)):
        seed_demo(db.session)
        login(client, "tom@example.com", DEMO_PASSWORD)
    scoring = db.session.scalars(select(Evaluation).order_by(Evaluation.id)).all()[1]
    vendor_id, criterion_id = scoring.shortlist[0].vendor_id, scoring.criteria[0].id
    before = _counts()
    response = post(client, f"/evaluations/{scoring.id}/score?vendor={vendor_id}", {
        "rows-0-criterion_id": str(criterion_id), "rows-0-vendor_id": str(vendor_id),
        "rows-0-version": "", "rows-0-value": "3",
        "rows-0-rationale": prefix + control + "rest"},
        token_from=f"/evaluations/{scoring.id}/score?vendor={vendor_id}")
    assert response.status_code == 400
    assert f"U+{ord(control):04X}" in response.get_data(as_text=True)
    assert _counts() == before


def test_tab_and_line_breaks_are_still_text(client):
    seed_demo(db.session)
    login(client, "tom@example.com", DEMO_PASSWORD)
    scoring = db.session.scalars(select(Evaluation).order_by(Evaluation.id)).all()[1]
    vendor_id, criterion_id = scoring.shortlist[0].vendor_id, scoring.criteria[0].id
    rationale = "First line\r\nsecond\tline"
    response = post(client, f"/evaluations/{scoring.id}/score?vendor={vendor_id}", {
        "rows-0-criterion_id": str(criterion_id), "rows-0-vendor_id": str(vendor_id),
        "rows-0-version": "", "rows-0-value": "3", "rows-0-rationale": rationale},
        token_from=f"/evaluations/{scoring.id}/score?vendor={vendor_id}")
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.scalar(select(Score).where(Score.vendor_id == vendor_id,
                                                  Score.criterion_id == criterion_id,
                                                  Score.rationale.like("First line%")))
    assert saved is not None and "\t" in saved.rationale


def test_nul_in_a_vendor_description_and_in_a_search_is_400(demo_admin):
    vendor = db.session.scalars(select(Vendor).order_by(Vendor.id)).first()
    page = demo_admin.get(f"/vendors/{vendor.id}/edit").get_data(as_text=True)
    assert "description" in page
    before = _counts()
    response = post(demo_admin, f"/vendors/{vendor.id}/edit",
                    {"name": vendor.name, "description": "Reliable\x00vendor",
                     "version": str(vendor.version)}, token_from=f"/vendors/{vendor.id}/edit")
    assert response.status_code == 400
    assert "U+0000" in response.get_data(as_text=True)
    assert _counts() == before
    db.session.expire_all()
    assert "\x00" not in (db.session.get(Vendor, vendor.id).description or "")
    search = demo_admin.get("/vendors/?q=a%00b")
    assert search.status_code == 400 and "U+0000" in search.get_data(as_text=True)


def test_control_characters_in_api_json_are_422(app, client):
    seed_demo(db.session)
    lead = bearer(token_for("lead@example.com", "write"))
    before = db.session.scalar(select(func.count()).select_from(Vendor))
    response = client.post("/api/v1/vendors", json={"name": "Bell\x07 Systems"}, headers=lead)
    assert response.status_code == 422
    assert "U+0007" in json.dumps(response.get_json())
    assert db.session.scalar(select(func.count()).select_from(Vendor)) == before


# ------------------------------------------------------------------------ interchange (CLI)


def _import(app, tmp_path, document) -> tuple:
    path = tmp_path / "evaluation.json"
    path.write_text(json.dumps(document))
    return app.test_cli_runner().invoke(args=["import-evaluation", str(path)]), path


@pytest.mark.parametrize("change,expected", [
    (lambda d: d["scale"].update(max=1e30), "$.scale.max: must lie between -100 and 100"),
    (lambda d: [c.update(weight=1e308) for c in d["criteria"]],
     "$.criteria[0].weight: must be at most 1e+06"),
    (lambda d: d.update(title="Bad\x00title"), "$.title: contains the control character U+0000"),
    (lambda d: d.update(criteria=[{"key": f"c{i}", "name": f"C {i}", "weight": 1}
                                  for i in range(limits.MAX_CRITERIA + 1)]),
     f"$.criteria: has {limits.MAX_CRITERIA + 1} entries; at most {limits.MAX_CRITERIA}"),
    (lambda d: d.update(vendors=[{"name": f"V {i}"} for i in range(limits.MAX_SHORTLIST + 1)]),
     f"$.vendors: has {limits.MAX_SHORTLIST + 1} entries; at most {limits.MAX_SHORTLIST}"),
])
def test_import_evaluation_refuses_absurd_values_in_one_line(app, tmp_path, change, expected):
    document = copy.deepcopy(json.loads(EXAMPLE.read_text()))
    change(document)
    before = _counts()
    result, path = _import(app, tmp_path, document)
    assert result.exit_code == 1
    assert f"{path}: {expected}" in result.output, result.output
    assert "Traceback" not in result.output
    assert _counts() == before


def test_huge_weights_normalise_without_overflow():
    shares = scoring.normalise_weights({"a": 1e308, "b": 1e308, "c": 0.0})
    assert shares == {"a": 0.5, "b": 0.5, "c": 0.0}


# ---------------------------------------------------------------------------- CSV short rows

VENDOR_HEADER = "name,country,sector,website,headcount,regions,data_residency,description\n"


def test_a_short_csv_row_is_an_error_naming_line_and_columns(app, tmp_path):
    seed_demo(db.session)
    vendor = db.session.scalars(select(Vendor).order_by(Vendor.id)).first()
    before = {k: getattr(vendor, k) for k in ("sector", "website", "headcount", "description")}
    path = tmp_path / "vendors.csv"
    path.write_text(VENDOR_HEADER + f"{vendor.name},Norway\n")
    counts = _counts()
    result = app.test_cli_runner().invoke(args=["import-vendors", str(path)])
    assert result.exit_code != 0
    assert (f"{path}:2: column sector: the row has 2 cells but the header has 8 columns; "
            "missing: sector, website, headcount, regions, data_residency, description"
            ) in result.output
    assert _counts() == counts
    db.session.expire_all()
    vendor = db.session.get(Vendor, vendor.id)
    assert {k: getattr(vendor, k) for k in before} == before


def test_an_empty_cell_still_clears_a_field(app, tmp_path):
    seed_demo(db.session)
    vendor = db.session.scalars(select(Vendor).where(Vendor.sector != "")).first()
    path = tmp_path / "vendors.csv"
    path.write_text("name,sector\n" + f"{vendor.name},\n")
    result = app.test_cli_runner().invoke(args=["import-vendors", str(path)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(Vendor, vendor.id).sector in ("", None)


def test_a_control_character_in_a_csv_cell_names_line_and_column(app, tmp_path):
    path = tmp_path / "vendors.csv"
    path.write_bytes(b"name,country,description\nNew Vendor,Norway,Bad\x1bescape\n")
    counts = _counts()
    result = app.test_cli_runner().invoke(args=["import-vendors", str(path)])
    assert result.exit_code != 0
    assert f"{path}:2: column description: contains the control character U+001B" in \
        result.output
    assert _counts() == counts


def test_nothing_was_audited_for_refused_input(demo_admin):
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    demo_admin.get("/vendors/?q=%01")
    post(demo_admin, "/admin/users", {"email": "x@example.com", "role": "viewer",
                                      "password": "long\x00enough-password"},
         token_from="/admin/users")
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_the_web_preview_shows_a_short_row_as_an_error_not_an_update(client):
    seed_demo(db.session)
    login(client, "lead@example.com", DEMO_PASSWORD)
    vendor = db.session.scalars(select(Vendor).order_by(Vendor.id)).first()
    data = (VENDOR_HEADER + f"{vendor.name},Norway\n").encode()
    response = client.post("/vendors/import", data={
        "csrf_token": csrf_token(client, "/vendors/import"), "kind": "vendors",
        "encoding": "utf-8", "file": (io.BytesIO(data), "vendors.csv"),
    }, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert "the row has 2 cells but the header has 8 columns" in page
    assert 'name="token"' not in page  # nothing offered for import
    assert "1 updated" not in page


def test_no_path_can_store_a_control_character(app):
    """The flush-time guard: even a path with no form or file check cannot write one."""
    result = app.test_cli_runner().invoke(args=["create-user", "new@example.com", "--name",
                                                "Bad\x00Name"], input="a-long-enough-passphrase\n")
    assert result.exit_code == 1 and "control character U+0000" in result.output
    vendor = Vendor(name="Fine name", description="tab\tand\nlines are fine")
    db.session.add(vendor)
    db.session.commit()
    vendor.description = "bell\x07"
    with pytest.raises(limits.TextRuleError, match="Vendor.description"):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(Vendor, vendor.id).description == "tab\tand\nlines are fine"
