"""Integration commands: create-token, deliver-webhooks, watch-inbox (docs/integration.md)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask import Flask

from ..audit import acting_as
from ..extensions import db
from ..infra import inbox
from ..infra import webhooks as webhook_service
from ..models import TokenScope
from ..services import api_tokens
from ..services import users as user_service
from ..services.csv_io import ENCODINGS


def register(app: Flask) -> None:
    @app.cli.command("create-token")
    @click.argument("email")
    @click.option("--scope", type=click.Choice([s.value for s in TokenScope]), default="read",
                  show_default=True, help="read: look up data; write: also change it.")
    @click.option("--name", default="", help="What the token is for (shown in the list).")
    def create_token(email: str, scope: str, name: str) -> None:
        """Create an API token for EMAIL; the token is printed once, on the LAST line."""
        user = user_service.find_by_email(db.session, email)
        if user is None:
            raise click.ClickException(f"No user {email!r}.")
        with acting_as(None, "create-token"):
            try:
                issued = api_tokens.create_token(db.session, user, scope=scope,
                                                 name=name or "created with flask create-token")
            except api_tokens.TokenError as exc:
                raise click.ClickException(str(exc)) from exc
        click.echo(f"Created a {scope} token for {user.email}. It is shown only now; "
                   "Evaluator keeps only its hash:", err=False)
        click.echo(issued.secret)

    @app.cli.command("deliver-webhooks")
    @click.option("--loop", is_flag=True, help="Keep running, checking every --interval seconds.")
    @click.option("--interval", default=15.0, show_default=True, type=click.FloatRange(0.5),
                  help="Seconds between passes with --loop.")
    def deliver_webhooks(loop: bool, interval: float) -> None:
        """Attempt every due webhook delivery (retries with backoff); run from cron or --loop."""
        while True:
            counts = webhook_service.deliver_due(db.session)
            if counts or not loop:
                summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
                click.echo(f"Webhook deliveries: {summary or 'nothing due'}.")
            if not loop:
                return
            time.sleep(interval)

    @app.cli.command("watch-inbox")
    @click.argument("directory", type=click.Path(exists=True, file_okay=False, writable=True))
    @click.option("--once", is_flag=True, help="One pass over the directory, then exit.")
    @click.option("--interval", default=5.0, show_default=True, type=click.FloatRange(0.2),
                  help="Seconds between passes.")
    @click.option("--stable-seconds", default=2.0, show_default=True, type=click.FloatRange(0),
                  help="A file modified more recently than this is still being written.")
    @click.option("--encoding", type=click.Choice(list(ENCODINGS)), default="utf-8",
                  show_default=True, help="Encoding of vendor and case-study files.")
    def watch_inbox(directory: str, once: bool, interval: float, stable_seconds: float,
                    encoding: str) -> None:
        """Import every CSV dropped into DIRECTORY; file it under processed/ or failed/."""
        folder = Path(directory)
        failed = False
        while True:
            with acting_as(None, f"watch-inbox {folder.name}"):
                results = inbox.scan(db.session, folder, stable_seconds=stable_seconds,
                                     encoding=encoding)
            for r in results:
                if r.outcome == "waiting" and not once:
                    continue
                where = f" -> {r.moved_to}" if r.moved_to else ""
                click.echo(f"{r.name}: {r.outcome}{' (' + r.kind + ')' if r.kind else ''}{where}",
                           err=r.outcome == "failed")
                failed = failed or r.outcome == "failed"
            if once:
                sys.exit(1 if failed else 0)
            time.sleep(interval)
