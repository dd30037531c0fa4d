"""The vendor dossier pages. Reading is for every logged-in user; editing for leads and admins."""

from __future__ import annotations

from datetime import date

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from ..access import role_required
from ..catalog import INTERVIEW_GUIDE
from ..extensions import db
from ..forms import EmptyForm
from ..models import Role
from ..services import dossier as dossier_service
from ..services import dossier_import as import_service
from ..services import references as reference_service
from ..services import vendors as vendor_service
from ..services.vendors import DossierError, StaleEdit
from ..web import page_cache
from ..web.args import page_number
from . import bp
from .forms import (
    CaseStudyForm,
    ConfirmImportForm,
    ImportForm,
    VendorForm,
    interview_form,
)


def _filter_from_args() -> vendor_service.VendorFilter:
    return vendor_service.VendorFilter(
        q=request.args.get("q", "").strip()[:200],
        country=request.args.get("country", "")[:80],
        sector=request.args.get("sector", "")[:120],
        certification=request.args.get("certification", "")[:120],
        include_archived=request.args.get("archived") == "1",
    )


def _can_edit() -> bool:
    return current_user.role in (Role.ADMIN.value, Role.LEAD.value)


@bp.app_context_processor
def _inject_can_edit():
    return {"can_edit_dossier": current_user.is_authenticated and _can_edit()}


# --------------------------------------------------------------------------------- vendors


@bp.route("/")
def index():
    version = page_cache.data_version(db.session)  # before the data: see web/page_cache.py
    flt = _filter_from_args()
    number = page_number()

    def results() -> bytes:
        page = vendor_service.list_vendors(db.session, flt, page=number)
        return page_cache.render_part(
            "vendors/_results.html", page=page, flt=flt, today=date.today())

    return page_cache.page(
        "vendors/index.html", page_cache.cached(("vendors", flt, number, date.today()), version,
                                                results), flt=flt,
        choices=page_cache.cached(("vendor-filters",), version,
                                  lambda: vendor_service.filter_choices(db.session)),
    )


@bp.route("/export.csv")
def export_vendors():
    body = import_service.export_vendors(db.session, _filter_from_args())
    return _csv_download(body, "vendors.csv")


@bp.route("/case-studies.csv")
def export_case_studies():
    vendor_id = request.args.get("vendor_id", type=int)
    body = import_service.export_case_studies(
        db.session, vendor_id=vendor_id, include_archived=request.args.get("archived") == "1")
    return _csv_download(body, f"case-studies-{vendor_id}.csv" if vendor_id else
                         "case-studies.csv")


def _csv_download(body: str, filename: str) -> Response:
    return Response(body.encode("utf-8"), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    })


@bp.route("/<int:vendor_id>")
def detail(vendor_id: int):
    dossier = dossier_service.vendor_dossier(db.session, vendor_id)
    if dossier is None:
        abort(404)
    return render_template("vendors/detail.html", d=dossier, vendor=dossier.vendor,
                           checks=reference_service.checks_by_case_study(db.session, vendor_id))


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.LEAD)
def create():
    form = VendorForm()
    if form.validate_on_submit():
        try:
            vendor = vendor_service.create_vendor(db.session, form.to_data())
        except DossierError as exc:
            _field_error(form, exc)
        else:
            flash(f"Vendor {vendor.name} added. Add its case studies and interviews below.",
                  "success")
            return redirect(url_for("vendors.detail", vendor_id=vendor.id))
    elif request.method == "GET":
        form.pad()
    return render_template("vendors/form.html", form=form, vendor=None), _status(form)


@bp.route("/<int:vendor_id>/edit", methods=["GET", "POST"])
@role_required(Role.LEAD)
def edit(vendor_id: int):
    vendor = vendor_service.get_vendor(db.session, vendor_id) or abort(404)
    form = VendorForm(obj=None if request.method == "POST" else vendor)
    conflict = None
    if form.validate_on_submit():
        try:
            vendor_service.update_vendor(db.session, vendor_id, form.to_data(),
                                         _version(form.version.data))
        except StaleEdit as exc:
            conflict = exc
            form.version.data = str(exc.current_version)
        except DossierError as exc:
            _field_error(form, exc)
        else:
            flash("Vendor saved.", "success")
            return redirect(url_for("vendors.detail", vendor_id=vendor_id))
    elif request.method == "GET":
        form.pad()
    status = 409 if conflict else _status(form)
    return render_template("vendors/form.html", form=form, vendor=vendor,
                           conflict=conflict), status


@bp.route("/<int:vendor_id>/archive", methods=["POST"])
@role_required(Role.LEAD)
def archive(vendor_id: int):
    return _set_archived(vendor_id, True)


@bp.route("/<int:vendor_id>/restore", methods=["POST"])
@role_required(Role.LEAD)
def restore(vendor_id: int):
    return _set_archived(vendor_id, False)


def _set_archived(vendor_id: int, archived: bool):
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        vendor = vendor_service.set_archived(db.session, vendor_id, archived)
    except DossierError:
        abort(404)
    flash(f"{vendor.name} archived: hidden from the register, kept for evaluations. "
          "You can restore it." if archived else f"{vendor.name} restored to the register.",
          "success")
    return redirect(url_for("vendors.detail", vendor_id=vendor_id))


# ---------------------------------------------------------------------------- case studies


@bp.route("/<int:vendor_id>/case-studies/new", methods=["GET", "POST"])
@role_required(Role.LEAD)
def new_case_study(vendor_id: int):
    vendor = vendor_service.get_vendor(db.session, vendor_id) or abort(404)
    form = CaseStudyForm()
    if form.validate_on_submit():
        try:
            cs = dossier_service.create_case_study(db.session, vendor_id, form.to_data())
        except DossierError as exc:
            _field_error(form, exc)
        else:
            flash(f"Case study “{cs.title}” added.", "success")
            return redirect(url_for("vendors.detail", vendor_id=vendor_id,
                                    _anchor=f"case-study-{cs.id}"))
    return render_template("vendors/case_study_form.html", form=form, vendor=vendor,
                           case_study=None), _status(form)


@bp.route("/<int:vendor_id>/case-studies/<int:case_study_id>/edit", methods=["GET", "POST"])
@role_required(Role.LEAD)
def edit_case_study(vendor_id: int, case_study_id: int):
    cs = dossier_service.get_case_study(db.session, vendor_id, case_study_id) or abort(404)
    form = CaseStudyForm(obj=None if request.method == "POST" else cs)
    conflict = None
    if form.validate_on_submit():
        try:
            dossier_service.update_case_study(db.session, vendor_id, case_study_id,
                                              form.to_data(), _version(form.version.data))
        except StaleEdit as exc:
            conflict = exc
            form.version.data = str(exc.current_version)
        except DossierError as exc:
            _field_error(form, exc)
        else:
            flash("Case study saved.", "success")
            return redirect(url_for("vendors.detail", vendor_id=vendor_id,
                                    _anchor=f"case-study-{case_study_id}"))
    status = 409 if conflict else _status(form)
    return render_template("vendors/case_study_form.html", form=form, vendor=cs.vendor,
                           case_study=cs, conflict=conflict), status


@bp.route("/<int:vendor_id>/case-studies/<int:case_study_id>/delete", methods=["GET", "POST"])
@role_required(Role.LEAD)
def delete_case_study(vendor_id: int, case_study_id: int):
    cs = dossier_service.get_case_study(db.session, vendor_id, case_study_id) or abort(404)
    form = EmptyForm()
    if form.validate_on_submit():
        title = dossier_service.delete_case_study(db.session, vendor_id, case_study_id)
        flash(f"Case study “{title}” deleted.", "success")
        return redirect(url_for("vendors.detail", vendor_id=vendor_id))
    return render_template("vendors/confirm_delete.html", vendor=cs.vendor, form=form,
                           what=f"the case study “{cs.title}”",
                           cancel=url_for("vendors.detail", vendor_id=vendor_id))


# ------------------------------------------------------------------------------ interviews


@bp.route("/<int:vendor_id>/interviews/new", methods=["GET", "POST"])
@role_required(Role.LEAD)
def new_interview(vendor_id: int):
    vendor = vendor_service.get_vendor(db.session, vendor_id) or abort(404)
    guides = dossier_service.list_guides(db.session)
    wanted = request.args.get("guide", type=int)
    guide = next((g for g in guides if g.id == wanted), None) or _default_guide(guides)
    form = interview_form(guide.questions)
    if form.validate_on_submit():
        try:
            dossier_service.save_interview(db.session, vendor_id, guide.id, form.to_data())
        except DossierError as exc:
            flash(str(exc), "error")
        else:
            flash("Interview saved.", "success")
            return redirect(url_for("vendors.detail", vendor_id=vendor_id, _anchor="interviews"))
    return render_template("vendors/interview_form.html", form=form, vendor=vendor,
                           guide=guide, guides=guides, interview=None), _status(form)


def _default_guide(guides):
    return next((g for g in guides if g.name == INTERVIEW_GUIDE), guides[0])


@bp.route("/<int:vendor_id>/interviews/<int:interview_id>/edit", methods=["GET", "POST"])
@role_required(Role.LEAD)
def edit_interview(vendor_id: int, interview_id: int):
    iv = dossier_service.get_interview(db.session, vendor_id, interview_id) or abort(404)
    questions = iv.guide.questions if iv.guide else []
    answers = {a.question_id: a.text for a in iv.answers}
    data = None
    if request.method == "GET":
        data = {"held_on": iv.held_on, "interviewers": iv.interviewers,
                "fingerprint": dossier_service.interview_fingerprint(iv)}
        data.update({f"answer_{q.id}": answers.get(q.id, "") for q in questions})
    form = interview_form(questions, data=data)
    conflict = None
    if form.validate_on_submit():
        try:
            dossier_service.save_interview(db.session, vendor_id, iv.guide_id, form.to_data(),
                                           interview_id=interview_id,
                                           fingerprint=form.fingerprint.data or "")
        except StaleEdit as exc:
            conflict = exc
            db.session.expire_all()
            fresh = dossier_service.get_interview(db.session, vendor_id, interview_id)
            form.fingerprint.data = dossier_service.interview_fingerprint(fresh)
        except DossierError as exc:
            flash(str(exc), "error")
        else:
            flash("Interview saved.", "success")
            return redirect(url_for("vendors.detail", vendor_id=vendor_id, _anchor="interviews"))
    status = 409 if conflict else _status(form)
    return render_template("vendors/interview_form.html", form=form, vendor=iv.vendor,
                           guide=iv.guide, guides=[], interview=iv, conflict=conflict), status


@bp.route("/<int:vendor_id>/interviews/<int:interview_id>/delete", methods=["GET", "POST"])
@role_required(Role.LEAD)
def delete_interview(vendor_id: int, interview_id: int):
    iv = dossier_service.get_interview(db.session, vendor_id, interview_id) or abort(404)
    form = EmptyForm()
    if form.validate_on_submit():
        dossier_service.delete_interview(db.session, vendor_id, interview_id)
        flash("Interview deleted.", "success")
        return redirect(url_for("vendors.detail", vendor_id=vendor_id))
    return render_template("vendors/confirm_delete.html", vendor=iv.vendor, form=form,
                           what=f"the interview of {iv.held_on or 'unknown date'}",
                           cancel=url_for("vendors.detail", vendor_id=vendor_id))


@bp.route("/guides")
def guides():
    return render_template("vendors/guides.html",
                           guides=dossier_service.list_guides(db.session))


# ---------------------------------------------------------------------------------- import


@bp.route("/import", methods=["GET", "POST"])
@role_required(Role.LEAD)
def import_csv():
    """Step 1: upload and preview (nothing written). Step 2 is import_confirm."""
    form = ImportForm()
    if request.method == "GET":
        form.kind.data = request.args.get("kind", "vendors")
    plan = rejected = token = None
    if form.validate_on_submit():
        data = form.file.data.read()
        try:
            plan = import_service.preview_import(db.session, form.kind.data, data,
                                                 form.encoding.data)
        except import_service.ImportRejected as exc:
            rejected = exc
        else:
            token = import_service.seal_upload(current_app.config["SECRET_KEY"],
                                               current_user.id, form.kind.data,
                                               form.encoding.data, data)
    status = 422 if rejected else _status(form)
    return render_template("vendors/import.html", form=form, plan=plan, rejected=rejected,
                           confirm=ConfirmImportForm(token=token) if token else None,
                           columns=import_service.COLUMNS), status


@bp.route("/import/confirm", methods=["POST"])
@role_required(Role.LEAD)
def import_confirm():
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        flash("The upload could not be verified. Upload the file again.", "error")
        return redirect(url_for("vendors.import_csv"))
    try:
        kind, encoding, data = import_service.open_upload(
            current_app.config["SECRET_KEY"], form.token.data, current_user.id)
        plan = import_service.run_import(db.session, kind, data, encoding)
    except import_service.ImportRejected as exc:
        flash(exc.message + (" " + "; ".join(str(e) for e in exc.errors[:5])
                             if exc.errors else ""), "error")
        return redirect(url_for("vendors.import_csv"))
    flash(f"Imported {plan.summary()}.", "success")
    return redirect(url_for("vendors.index"))


# ---------------------------------------------------------------------------------- helpers


def _version(raw: str | None) -> int:
    try:
        return int(raw or "")
    except ValueError:
        return -1  # a missing or altered version is treated as stale: nothing is overwritten


def _field_error(form, exc: DossierError) -> None:
    target = getattr(form, exc.field, None) if exc.field else None
    if target is not None:
        target.errors = [*target.errors, str(exc)]
    else:
        flash(str(exc), "error")


def _status(form) -> int:
    return 400 if request.method == "POST" and form.errors else 200

