"""The vendor dossier pages through the test client: forms, roles, locking, import, export."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import event, func, select

from evaluator.extensions import db
from evaluator.models import (
    AuditEvent,
    CaseStudy,
    Certification,
    Interview,
    InterviewAnswer,
    InterviewGuide,
    Role,
    Vendor,
)
from evaluator.services import dossier_import as di
from tests.conftest import csrf_token, post

VENDOR_FORM = {
    "name": "Northwind Integration", "country": "United Kingdom", "sector": "Banking",
    "website": "https://northwind.example", "headcount": "850", "regions": "UK, EU",
    "data_residency": "UK", "description": "Mainframe specialists.",
    "contacts-0-name": "Sam Patel", "contacts-0-email": "sam@northwind.example",
    "contacts-0-title": "Bid manager", "contacts-0-phone": "",
    "contacts-1-name": "", "contacts-1-email": "", "contacts-1-title": "", "contacts-1-phone": "",
    "certifications-0-name": "ISO 27001", "certifications-0-issuer": "BSI",
    "certifications-0-expires_on": "2020-01-31",
    "certifications-1-name": "SOC 2 Type II", "certifications-1-issuer": "",
    "certifications-1-expires_on": "2099-01-01",
    "integrations-0-kind": "mainframe", "integrations-0-product": "IBM z/OS CICS",
    "integrations-0-notes": "",
}

CASE_STUDY_FORM = {
    "title": "Core ledger migration", "year": "2023", "client_sector": "Banking",
    "org_size": "enterprise", "regulatory_regime": "PRA/FCA", "planned_months": "12",
    "actual_months": "15", "planned_budget": "1000000", "actual_budget": "1100000",
    "outcome": "delivered", "summary": "Replaced the batch integration.",
    "setbacks": "The data migration slipped by six weeks because the extracts were bad.",
    "response": "We re-planned with the client and added a data quality workstream.",
    "lessons": "We learned to profile legacy data in the first two weeks.",
    "reference_name": "Maria Lopez", "reference_email": "maria@bank.example",
}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def vendor_named(name):
    return db.session.scalar(select(Vendor).where(Vendor.name == name))


def create_vendor(client, **overrides):
    return post(client, "/vendors/new", {**VENDOR_FORM, **overrides})


# ------------------------------------------------------------------------------ vendors


def test_lead_adds_a_vendor_with_contacts_certifications_and_integrations(client, logged_in):
    logged_in(Role.LEAD)
    response = create_vendor(client)
    vendor = vendor_named("Northwind Integration")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/vendors/{vendor.id}"
    assert (vendor.country, vendor.headcount, vendor.website) == (
        "United Kingdom", 850, "https://northwind.example")
    assert [c.name for c in vendor.contacts] == ["Sam Patel"]  # the blank row is ignored
    assert sorted(c.name for c in vendor.certifications) == ["ISO 27001", "SOC 2 Type II"]
    assert [(i.kind, i.product) for i in vendor.integrations] == [("mainframe", "IBM z/OS CICS")]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Vendor Northwind Integration added." in page
    assert "Expired" in page and "Valid" in page  # ISO 27001 expired in 2020
    assert "Mainframe</strong>: IBM z/OS CICS" in page


@pytest.mark.parametrize("field, value, message", [
    ("name", "", "Give the vendor a name."),
    ("website", "javascript:alert(1)", "Enter a web address"),
    ("headcount", "-5", "Enter a number of staff."),
    ("contacts-0-name", "", "A contact needs a name."),
    ("certifications-0-expires_on", "31/01/2020", "Not a valid date value."),
    ("integrations-0-kind", "telepathy", "Not a valid choice."),
])
def test_bad_vendor_input_is_shown_and_nothing_is_written(client, logged_in, field, value,
                                                          message):
    logged_in(Role.LEAD)
    response = create_vendor(client, **{field: value})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(Vendor) == 0
    assert db.session.scalar(select(func.count()).where(AuditEvent.entity_type == "Vendor")) == 0


def test_duplicate_vendor_name_is_refused_ignoring_case(client, logged_in):
    logged_in(Role.LEAD)
    create_vendor(client)
    response = create_vendor(client, name="NORTHWIND integration")
    assert response.status_code == 400
    assert "A vendor named &#39;NORTHWIND integration&#39; already exists." in \
        response.get_data(as_text=True)
    assert count(Vendor) == 1


def test_edit_shows_saved_values_and_saves_changes(client, logged_in):
    logged_in(Role.LEAD)
    create_vendor(client)
    vendor = vendor_named("Northwind Integration")
    page = client.get(f"/vendors/{vendor.id}/edit").get_data(as_text=True)
    assert 'value="Sam Patel"' in page and 'name="version" type="hidden" value="1"' in page
    form = {**VENDOR_FORM, "version": "1", "country": "Ireland", "certifications-1-name": "",
            "certifications-1-expires_on": ""}
    response = post(client, f"/vendors/{vendor.id}/edit", form)
    assert response.status_code == 302
    db.session.expire_all()
    vendor = vendor_named("Northwind Integration")
    assert vendor.country == "Ireland"
    assert [c.name for c in vendor.certifications] == ["ISO 27001"]
    assert vendor.version == 2


def test_concurrent_vendor_edit_is_reshown_with_the_users_input(client, logged_in):
    logged_in(Role.LEAD)
    create_vendor(client)
    vendor = vendor_named("Northwind Integration")
    # Someone else saves first (version 1 -> 2).
    vendor.sector = "Insurance"
    db.session.commit()
    response = post(client, f"/vendors/{vendor.id}/edit",
                    {**VENDOR_FORM, "version": "1", "country": "Ireland"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else saved this record while you were editing it." in page
    assert 'value="Ireland"' in page  # the user's input is kept
    assert "<strong>Sector:</strong> Insurance" in page  # what was saved meanwhile
    assert 'name="version" type="hidden" value="2"' in page
    db.session.expire_all()
    vendor = vendor_named("Northwind Integration")
    assert (vendor.country, vendor.sector) == ("United Kingdom", "Insurance")
    # Saving again, now on the current version, overwrites deliberately.
    response = post(client, f"/vendors/{vendor.id}/edit",
                    {**VENDOR_FORM, "version": "2", "country": "Ireland"})
    assert response.status_code == 302
    db.session.expire_all()
    assert vendor_named("Northwind Integration").country == "Ireland"


def test_archive_hides_and_restore_brings_back(client, logged_in):
    logged_in(Role.LEAD)
    create_vendor(client)
    vendor = vendor_named("Northwind Integration")
    response = post(client, f"/vendors/{vendor.id}/archive")
    assert response.status_code == 302 and response.headers["Location"] == f"/vendors/{vendor.id}"
    db.session.expire_all()
    assert vendor_named("Northwind Integration").archived_at is not None
    assert "archived: hidden from the register" in client.get(
        response.headers["Location"]).get_data(as_text=True)
    assert "Northwind Integration" not in client.get("/vendors/").get_data(as_text=True)
    listed = client.get("/vendors/?archived=1").get_data(as_text=True)
    assert "Northwind Integration" in listed and "archived" in listed
    assert "This vendor is archived" in client.get(f"/vendors/{vendor.id}").get_data(as_text=True)
    post(client, f"/vendors/{vendor.id}/restore")
    db.session.expire_all()
    assert vendor_named("Northwind Integration").archived_at is None
    assert "Northwind Integration" in client.get("/vendors/").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.EVALUATOR, Role.VIEWER])
def test_evaluators_and_viewers_read_but_cannot_edit(client, logged_in, role):
    vendor = Vendor(name="Acme")
    db.session.add(vendor)
    db.session.commit()
    logged_in(role)
    page = client.get(f"/vendors/{vendor.id}").get_data(as_text=True)
    assert "Acme" in page and "Edit profile" not in page and "Archive" not in page
    assert client.get("/vendors/new").status_code == 403
    assert client.get("/vendors/import").status_code == 403
    assert post(client, f"/vendors/{vendor.id}/archive").status_code == 403
    assert create_vendor(client).status_code == 403
    db.session.expire_all()
    assert count(Vendor) == 1 and vendor_named("Acme").archived_at is None


def test_filter_by_certification_and_search(client, logged_in):
    logged_in(Role.LEAD)
    create_vendor(client)
    create_vendor(client, name="Fjord Data", country="Norway", **{
        "certifications-0-name": "ISO 9001", "certifications-1-name": "",
        "certifications-1-expires_on": ""})
    page = client.get("/vendors/?certification=ISO+9001").get_data(as_text=True)
    assert "Fjord Data" in page and "Northwind Integration" not in page
    page = client.get("/vendors/?q=mainframe").get_data(as_text=True)  # description search
    assert "Fjord Data" in page and "Northwind Integration" in page
    page = client.get("/vendors/?country=Norway").get_data(as_text=True)
    assert "Fjord Data" in page and "Northwind Integration" not in page


def test_vendor_list_query_count_is_constant(client, logged_in):
    logged_in(Role.EVALUATOR)

    def add(n, start):
        for i in range(start, start + n):
            vendor = Vendor(name=f"V{i:03d}", country="UK")
            vendor.certifications = [Certification(name="ISO 27001")]
            vendor.case_studies = [CaseStudy(title="A", planned_months=1, actual_months=2)]
            db.session.add(vendor)
        db.session.commit()

    def queries():
        statements = []

        def listener(*args):
            statements.append(args[2])

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/vendors/").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    add(3, 0)
    few = queries()
    add(30, 3)
    assert queries() == few


# ------------------------------------------------------------------------- case studies


def test_case_study_shows_derived_figures_and_highlighted_sentences(client, logged_in):
    logged_in(Role.LEAD)
    create_vendor(client)
    vendor = vendor_named("Northwind Integration")
    response = post(client, f"/vendors/{vendor.id}/case-studies/new", CASE_STUDY_FORM)
    cs = db.session.scalar(select(CaseStudy))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/vendors/{vendor.id}#case-study-{cs.id}"
    assert (cs.planned_months, cs.actual_months, cs.org_size) == (12.0, 15.0, "enterprise")
    page = client.get(f"/vendors/{vendor.id}").get_data(as_text=True)
    assert "Schedule slip <span class=\"delta delta-up\">+25.0% <small>(late)</small>" in page
    assert "Budget overrun <span class=\"delta delta-up\">+10.0% <small>(over)</small>" in page
    assert re.search(r'<mark class="sig sig-setback"[^>]*><span class="sig-tag">Setback \+ '
                     r'Cause</span> The data migration slipped', page)
    assert re.search(r'<mark class="sig sig-lesson"[^>]*><span class="sig-tag">Lesson</span> '
                     r'We learned to profile', page)
    assert "Highlights:" in page and "they never score" in page
    assert "Delivered on time" in page and "0%" in page


def test_highlighted_text_is_escaped(client, logged_in):
    logged_in(Role.LEAD)
    create_vendor(client)
    vendor = vendor_named("Northwind Integration")
    post(client, f"/vendors/{vendor.id}/case-studies/new", {
        **CASE_STUDY_FORM, "setbacks": "The <script>alert(1)</script> release failed."})
    page = client.get(f"/vendors/{vendor.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "The &lt;script&gt;alert(1)&lt;/script&gt; release failed." in page


@pytest.mark.parametrize("field, value, message", [
    ("title", "", "Give the case study a title."),
    ("planned_months", "-3", "Enter a number from 0 to 1,200."),
    ("planned_budget", "lots", "Not a valid float value."),
    ("reference_email", "maria-at-bank", "Enter an email address"),
    ("year", "1800", "Enter a year like 2024."),
])
def test_bad_case_study_input_writes_nothing(client, logged_in, field, value, message):
    logged_in(Role.LEAD)
    create_vendor(client)
    vendor = vendor_named("Northwind Integration")
    response = post(client, f"/vendors/{vendor.id}/case-studies/new",
                    {**CASE_STUDY_FORM, field: value})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(CaseStudy) == 0


def test_duplicate_case_study_title_is_a_form_error(client, logged_in):
    logged_in(Role.LEAD)
    create_vendor(client)
    vendor = vendor_named("Northwind Integration")
    post(client, f"/vendors/{vendor.id}/case-studies/new", CASE_STUDY_FORM)
    response = post(client, f"/vendors/{vendor.id}/case-studies/new", CASE_STUDY_FORM)
    assert response.status_code == 400
    assert "already has a case study titled" in response.get_data(as_text=True)
    assert count(CaseStudy) == 1


def test_concurrent_case_study_edit_keeps_input_and_writes_nothing(client, logged_in):
    logged_in(Role.LEAD)
    create_vendor(client)
    vendor = vendor_named("Northwind Integration")
    post(client, f"/vendors/{vendor.id}/case-studies/new", CASE_STUDY_FORM)
    cs = db.session.scalar(select(CaseStudy))
    cs.actual_months = 20
    db.session.commit()
    url = f"/vendors/{vendor.id}/case-studies/{cs.id}/edit"
    response = post(client, url, {**CASE_STUDY_FORM, "version": "1", "lessons": "Mine."})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Someone else saved this record" in page and "Mine.</textarea>" in page
    assert "<strong>Actual months:</strong> 20" in page
    db.session.expire_all()
    cs = db.session.get(CaseStudy, cs.id)
    assert cs.lessons == CASE_STUDY_FORM["lessons"] and cs.actual_months == 20


def test_case_study_edit_and_delete(client, logged_in):
    logged_in(Role.LEAD)
    create_vendor(client)
    vendor = vendor_named("Northwind Integration")
    post(client, f"/vendors/{vendor.id}/case-studies/new", CASE_STUDY_FORM)
    cs = db.session.scalar(select(CaseStudy))
    cs_id = cs.id
    response = post(client, f"/vendors/{vendor.id}/case-studies/{cs.id}/edit",
                    {**CASE_STUDY_FORM, "version": "1", "actual_months": "12"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(CaseStudy, cs.id).actual_months == 12
    assert "Delete the case study" in client.get(
        f"/vendors/{vendor.id}/case-studies/{cs.id}/delete").get_data(as_text=True)
    response = post(client, f"/vendors/{vendor.id}/case-studies/{cs.id}/delete")
    assert response.status_code == 302
    assert count(CaseStudy) == 0
    # A case study is only reachable under its own vendor.
    other = Vendor(name="Other")
    db.session.add(other)
    db.session.commit()
    assert client.get(f"/vendors/{other.id}/case-studies/{cs_id}/edit").status_code == 404


# --------------------------------------------------------------------------- interviews


def test_interview_with_answers_per_question_of_the_default_guide(client, logged_in):
    logged_in(Role.LEAD)
    create_vendor(client)
    vendor = vendor_named("Northwind Integration")
    page = client.get(f"/vendors/{vendor.id}/interviews/new").get_data(as_text=True)
    assert "Tell us about a program that went off track." in page
    guide = db.session.scalar(select(InterviewGuide))
    first, second = guide.questions[0], guide.questions[1]
    response = post(client, f"/vendors/{vendor.id}/interviews/new", {
        "held_on": "2026-10-01", "interviewers": "Ana Costa, Raj Patel",
        f"answer_{first.id}": "Our ERP go-live was delayed due to test data. We learned to "
                              "book test windows early.",
        f"answer_{second.id}": "",
    })
    assert response.status_code == 302
    interview = db.session.scalar(select(Interview))
    assert interview.interviewers == "Ana Costa, Raj Patel"
    assert [(a.question_id, a.text[:14]) for a in interview.answers] == [
        (first.id, "Our ERP go-liv")]
    page = client.get(f"/vendors/{vendor.id}").get_data(as_text=True)
    assert "Interview 2026-10-01" in page
    assert re.search(r'sig-tag">Setback \+ Cause</span> Our ERP go-live was delayed', page)

    # Edit: the second answer is added, the first cleared.
    edit_url = f"/vendors/{vendor.id}/interviews/{interview.id}/edit"
    fingerprint = re.search(r'name="fingerprint" type="hidden" value="([0-9a-f]+)"',
                            client.get(edit_url).get_data(as_text=True)).group(1)
    response = post(client, edit_url, {
        "held_on": "2026-10-01", "interviewers": "Ana Costa", "fingerprint": fingerprint,
        f"answer_{first.id}": "", f"answer_{second.id}": "We now run retrospectives."})
    assert response.status_code == 302
    db.session.expire_all()
    assert [(a.question_id, a.text) for a in db.session.scalars(select(InterviewAnswer))] == [
        (second.id, "We now run retrospectives.")]
    # The same (now stale) fingerprint again: refused, answers kept in the form.
    response = post(client, edit_url, {
        "held_on": "2026-10-01", "interviewers": "Ana Costa", "fingerprint": fingerprint,
        f"answer_{first.id}": "Late edit", f"answer_{second.id}": ""})
    assert response.status_code == 409
    assert "Late edit</textarea>" in response.get_data(as_text=True)
    db.session.expire_all()
    assert [a.text for a in db.session.scalars(select(InterviewAnswer))] == [
        "We now run retrospectives."]


def test_interview_needs_a_date_and_interviewers(client, logged_in):
    logged_in(Role.LEAD)
    create_vendor(client)
    vendor = vendor_named("Northwind Integration")
    response = post(client, f"/vendors/{vendor.id}/interviews/new",
                    {"held_on": "", "interviewers": ""})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter the date." in page and "Who interviewed the vendor?" in page
    assert count(Interview) == 0


def test_guides_page_lists_questions_with_criteria(client, logged_in):
    logged_in(Role.VIEWER)
    page = client.get("/vendors/guides").get_data(as_text=True)
    assert "Execution maturity interview" in page
    assert "What did you change, what would you do differently?".lower() in page.lower()


# --------------------------------------------------------------------------------- import


def upload(client, data: bytes, kind="vendors", encoding="utf-8", filename="vendors.csv"):
    return client.post("/vendors/import", data={
        "csrf_token": csrf_token(client, "/vendors/import"), "kind": kind,
        "encoding": encoding, "file": (io.BytesIO(data), filename),
    }, content_type="multipart/form-data")


def test_upload_previews_then_confirm_imports(client, logged_in):
    logged_in(Role.LEAD)
    data = b"name,country\nAcme,UK\nFjord Data,Norway\n"
    response = upload(client, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Preview: nothing imported yet" in page
    assert "2 vendors: 2 new, 0 updated, 0 unchanged" in page
    assert count(Vendor) == 0  # the preview wrote nothing
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    response = post(client, "/vendors/import/confirm", {"token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/vendors/"
    assert "Imported 2 vendors: 2 new" in client.get("/vendors/").get_data(as_text=True)
    assert sorted(db.session.scalars(select(Vendor.name))) == ["Acme", "Fjord Data"]
    # Confirming the same preview again does not duplicate.
    post(client, "/vendors/import/confirm", {"token": token})
    assert count(Vendor) == 2


def test_upload_with_bad_rows_lists_every_problem_and_offers_no_import(client, logged_in):
    logged_in(Role.LEAD)
    response = upload(client, b"name,headcount,website\nAcme,ten,\n,5,\nFjord,3,www.x\n")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The file was not imported" in page
    for line, column in [(2, "headcount"), (3, "name"), (4, "website")]:
        assert f"<td>{line}</td><td>{column}</td>" in page
    assert "/vendors/import/confirm" not in page
    assert count(Vendor) == 0


def test_upload_wrong_encoding_wrong_columns_and_wrong_type(client, logged_in):
    logged_in(Role.LEAD)
    page = upload(client, "name\nCaf\u00e9\n".encode("cp1252")).get_data(as_text=True)
    assert "byte 0xE9 is not valid UTF-8" in page
    page = upload(client, b"vendor,land\nA,B\n").get_data(as_text=True)
    assert "unknown column &#39;vendor&#39;" in page
    response = upload(client, b"MZ\x90\x00", filename="tool.exe")
    assert response.status_code == 400
    assert "Upload a .csv file" in response.get_data(as_text=True)
    assert count(Vendor) == 0


def test_upload_size_limit(client, logged_in):
    logged_in(Role.LEAD)
    big = b"name\n" + b"x" * (2 * 1024 * 1024 + 10)
    response = upload(client, big)
    assert response.status_code == 400
    assert "The file is larger than 2 MB." in response.get_data(as_text=True)
    assert count(Vendor) == 0


def test_tampered_or_foreign_token_is_refused(client, logged_in, app):
    user = logged_in(Role.LEAD)
    forged = di.seal_upload("not-the-secret", user.id, "vendors", "utf-8", b"name\nEvil\n")
    response = post(client, "/vendors/import/confirm", {"token": forged})
    assert response.status_code == 302 and response.headers["Location"] == "/vendors/import"
    someone_else = di.seal_upload(app.config["SECRET_KEY"], user.id + 1, "vendors", "utf-8",
                                  b"name\nEvil\n")
    post(client, "/vendors/import/confirm", {"token": someone_else})
    assert "could not be verified" in client.get("/vendors/import").get_data(as_text=True)
    assert count(Vendor) == 0


# --------------------------------------------------------------------------------- export


def test_export_downloads_csv_with_formulas_neutralised(client, logged_in):
    db.session.add(Vendor(name="=HYPERLINK(\"http://x\")", description="@SUM(1)"))
    db.session.commit()
    logged_in(Role.VIEWER)  # reading, and so exporting, is for every logged-in user
    response = client.get("/vendors/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert 'attachment; filename="vendors.csv"' in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert "'=HYPERLINK" in body and "'@SUM(1)" in body
    assert "\n=" not in body and ",=" not in body and ",@" not in body
    # The download re-imports to the same data.
    plan = di.preview_import(db.session, "vendors", response.get_data())
    assert (plan.unchanged, plan.created, plan.updated) == (1, 0, 0)


def test_case_study_export_round_trips(client, logged_in):
    logged_in(Role.LEAD)
    create_vendor(client)
    vendor = vendor_named("Northwind Integration")
    post(client, f"/vendors/{vendor.id}/case-studies/new",
         {**CASE_STUDY_FORM, "summary": "-10% cost, +5% scope"})
    response = client.get(f"/vendors/case-studies.csv?vendor_id={vendor.id}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "'-10% cost, +5% scope" in body
    plan = di.preview_import(db.session, "case-studies", response.get_data())
    assert (plan.unchanged, plan.created, plan.updated) == (1, 0, 0)
