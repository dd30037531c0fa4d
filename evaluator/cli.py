"""Thin click commands over services."""

from __future__ import annotations

import os
import sys

import click
from flask import Flask
from sqlalchemy import select

from .api.cli import register as register_integration_cli
from .audit import acting_as
from .evaluations.cli import register as register_evaluation_cli
from .extensions import db
from .infra import backup
from .models import Role, Vendor
from .outcomes.cli import register as register_outcome_cli
from .services import audit_trail, demo, limits
from .services import users as user_service
from .services.templates import ensure_builtin_template
from .vendors.cli import register as register_vendor_cli


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


def register_cli(app: Flask) -> None:
    """Core commands here; each feature package may add its own in <feature>/cli.py."""

    register_vendor_cli(app)
    register_evaluation_cli(app)
    register_outcome_cli(app)
    register_integration_cli(app)

    @app.cli.command("create-user")
    @click.argument("email")
    @click.option("--role", type=click.Choice([r.value for r in Role]), default="evaluator",
                  show_default=True)
    @click.option("--name", default="", help="Display name.")
    def create_user(email: str, role: str, name: str) -> None:
        """Create a user; the password comes from a prompt, or stdin when not a terminal."""
        password = _read_password()
        with acting_as(None, "cli"):
            try:
                user = user_service.create_user(
                    db.session, email, role=role, password=password, name=name
                )
            except (user_service.UserError, limits.TextRuleError) as exc:
                raise click.ClickException(str(exc)) from exc
        click.echo(f"Created {user.email} with role {user.role}.")

    @app.cli.command("verify-audit")
    @click.option("--head", "known_head", default="", metavar="HASH",
                  help="A chain head noted earlier: it must still be in the trail.")
    def verify_audit(known_head: str) -> None:
        """Check the audit trail's hash chain; exit 1 naming the first broken row."""
        verdict = audit_trail.verify_chain(db.session)
        if known_head and not audit_trail.has_hash(db.session, known_head.strip()):
            click.echo(f"Audit trail BROKEN: the head {known_head.strip()} noted earlier is no "
                       "longer in the trail (rows were removed).", err=True)
            sys.exit(1)
        if not verdict.ok:
            click.echo(f"Audit trail BROKEN at row {verdict.broken_id} (row {verdict.rows} of "
                       f"the walk): {verdict.reason}.", err=True)
            sys.exit(1)
        click.echo(f"Audit trail intact: {verdict.rows} rows, chain head {verdict.head}. Keep "
                   "the head: a later check that no longer reaches it means rows were removed.")

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False))
    def backup_command(path: str) -> None:
        """Write a consistent backup of the database to PATH (SQLite file or pg_dump archive)."""

        try:
            written = backup.backup(db.engine, path)
        except backup.BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Backup written to {written}")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    def restore_command(path: str, yes: bool) -> None:
        """Replace the database with the backup at PATH (stop the app first)."""

        if not yes:
            click.confirm("This replaces every row in the database. Continue?", abort=True)
        try:
            backup.restore(db.engine, path)
        except backup.BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Database restored from {path}")

    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Load the labelled demo data set (idempotent: a second run changes nothing)."""
        with acting_as(None, "seed-demo"):
            result = demo.seed_demo(db.session)
        if not result.created:
            click.echo("Demo data already present; nothing to do.")
            return
        click.echo(
            f"Seeded {result.vendors} vendors, {result.evaluations} evaluations and "
            f"{result.past_programs} past programs (demo data)."
        )
        click.echo(f"Log in at http://127.0.0.1:5000/login as lead@example.com "
                   f"(or admin@, cto@, ana@, raj@, mei@, tom@example.com), "
                   f"password: {demo.DEMO_PASSWORD}")

    @app.cli.command("seed-if-empty")
    def seed_if_empty() -> None:
        """Install the shipped template; seed demo data only when there are no vendors yet."""


        with acting_as(None, "setup"):
            ensure_builtin_template(db.session)
            db.session.commit()
            if db.session.scalar(select(Vendor.id).limit(1)) is None:
                demo.seed_demo(db.session)
                click.echo("Database was empty: demo data loaded (labelled as demo).")
        click.echo("")
        host, port = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "5000")
        click.echo(f"Evaluator is starting on http://{host}:{port}")
        click.echo(f"Log in as lead@example.com, password {demo.DEMO_PASSWORD} "
                   "(also admin@, cto@, ana@, raj@, mei@, tom@example.com)")
