"""HTML error pages, and JSON error bodies for JSON clients."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from .extensions import db
from .services.limits import TextRuleError


def _wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json"
    )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        db.session.rollback()
        if _wants_json():
            return jsonify(error={"code": "csrf", "message": exc.description}), 400
        return render_template("errors/error.html", code=400, message=(
            "The form was missing its security token or it expired. Go back, reload the page "
            "and try again."
        )), 400

    @app.errorhandler(StaleDataError)
    def stale(_exc):
        db.session.rollback()
        message = "Someone else changed this record at the same time. Reload and try again."
        if _wants_json():
            return jsonify(error={"code": "conflict", "message": message}), 409
        return render_template("errors/error.html", code=409, message=message), 409

    @app.errorhandler(TextRuleError)
    def text_rule(exc: TextRuleError):
        """The flush-time guard (models/text_guard.py) caught what no earlier check did."""
        db.session.rollback()
        if _wants_json():
            return jsonify(error={"code": "validation_failed", "message": str(exc)}), 400
        return render_template("errors/error.html", code=400, message=str(exc)), 400

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code and exc.code < 400:
            return exc
        if _wants_json():
            return jsonify(error={"code": exc.name.lower().replace(" ", "_"),
                                  "message": exc.description}), exc.code
        return render_template("errors/error.html", code=exc.code, message=exc.description), \
            exc.code
