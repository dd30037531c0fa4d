"""Evaluator: partner and vendor evaluation platform."""

from __future__ import annotations

from pathlib import Path

from flask import Flask


def create_app(test_config: dict | None = None) -> Flask:
    """Application factory: config, extensions, blueprints, CLI. Nothing else."""
    root = Path(__file__).resolve().parent.parent
    from .static_files import App

    app = App(
        __name__,
        instance_path=str(root / "instance"),
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from .config import configure

    configure(app, test_config)

    from . import audit, database
    from .extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(root / "migrations"), compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    with app.app_context():
        database.configure_engine(db.engine, app.config.get("DB_PING_AFTER_IDLE"))
        database.end_read_only_requests_with_commit(app, db.session)
    audit.install()

    from .auth import setup_login

    setup_login(app)

    from .security import init_security

    init_security(app)

    from .admin.routes import bp as admin_bp
    from .api.routes import bp as api_bp
    from .api.settings import bp as integration_bp
    from .auth.routes import bp as auth_bp
    from .evaluations.routes import bp as evaluations_bp
    from .main.routes import bp as main_bp
    from .outcomes.routes import bp as outcomes_bp
    from .portal.routes import bp as portal_bp
    from .vendors.routes import bp as vendors_bp

    for bp in (auth_bp, main_bp, vendors_bp, evaluations_bp, outcomes_bp, admin_bp, api_bp,
               integration_bp, portal_bp):
        app.register_blueprint(bp)

    from . import static_files
    from .cli import register_cli
    from .errors import register_error_handlers
    from .templating import register_template_helpers

    register_cli(app)
    register_error_handlers(app)
    register_template_helpers(app)
    static_files.register(app)
    return app
