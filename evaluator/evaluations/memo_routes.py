"""The PDF recommendation memo download (views registered on the evaluations blueprint).

Same access as the comparison page: members who may see every score (leads, observers,
evaluators who submitted) and admins; non-members get 404 and blind evaluators 403.
"""

from __future__ import annotations

from flask import Response, flash, redirect, request, url_for
from flask_login import current_user

from .. import memos, scoring
from ..access import evaluation_for
from ..extensions import db
from ..services import memos as memo_service
from ..web import settings
from . import bp
from .routes import require_unblinded


@bp.route("/<int:evaluation_id>/memo.pdf")
def memo_pdf(evaluation_id: int):
    # Access only: build_memo loads what the memo needs itself.
    evaluation, membership = evaluation_for(db.session, current_user, evaluation_id)
    require_unblinded(membership)
    lens = request.args.get("lens") or None
    with memos.gc_paused():
        try:
            memo = memo_service.build_memo(db.session, evaluation.id, lens=lens,
                                           prepared_by=current_user.display_name,
                                           sampling=settings.sampling())
        except scoring.ScoringError as exc:
            flash(f"The memo cannot be generated: {exc}", "error")
            return redirect(url_for("evaluations.compare", evaluation_id=evaluation_id))
        pdf = memos.render_pdf(memos.render_memo_html(memo))
    memo_service.record_export(db.session, memo, pages=pdf.pages, size=len(pdf.data), via="web")
    name = memos.memo_filename(evaluation.id, lens)
    return Response(pdf.data, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "private, no-store",
        "X-Memo-Fingerprint": memo.fingerprint,
    })
