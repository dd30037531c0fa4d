"""Evaluator: partner and vendor evaluation platform."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from . import audit, database, static_files
from .admin import bp as admin_bp
from .api import bp as api_bp
from .api import integration_bp
from .auth import bp as auth_bp
from .auth import setup_login
from .cli import register_cli
from .config import configure
from .errors import register_error_handlers
from .evaluations import bp as evaluations_bp
from .extensions import csrf, db, login_manager, migrate
from .main import bp as main_bp
from .outcomes import bp as outcomes_bp
from .portal import bp as portal_bp
from .security import init_security
from .templating import register_template_helpers
from .vendors import bp as vendors_bp

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Application factory: config, extensions, blueprints, CLI. Nothing else."""
    app = static_files.App(
        __name__,
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    configure(app, test_config)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    with app.app_context():
        database.configure_engine(db.engine, app.config.get("DB_PING_AFTER_IDLE"))
        database.end_read_only_requests_with_commit(app, db.session)
    audit.install()
    setup_login(app)
    init_security(app)
    for bp in (auth_bp, main_bp, vendors_bp, evaluations_bp, outcomes_bp, admin_bp, api_bp,
               integration_bp, portal_bp):
        app.register_blueprint(bp)

    register_cli(app)
    register_error_handlers(app)
    register_template_helpers(app)
    static_files.register(app)
    return app
