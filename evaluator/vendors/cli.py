"""Vendor dossier commands: CSV imports and exports (format: docs/formats.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask

from ..audit import acting_as
from ..extensions import db
from ..services import dossier_import
from ..services.csv_io import ENCODINGS
from ..services.vendors import VendorFilter


def _import(kind: str, path: str, encoding: str, dry_run: bool) -> None:
    data = Path(path).read_bytes()
    with acting_as(None, f"import-{kind} {Path(path).name}"):
        try:
            if dry_run:
                plan = dossier_import.preview_import(db.session, kind, data, encoding)
            else:
                plan = dossier_import.run_import(db.session, kind, data, encoding)
        except dossier_import.ImportRejected as exc:
            for error in exc.errors:
                click.echo(f"{path}:{error.line}: column {error.column}: {error.message}",
                           err=True)
            if not exc.errors:
                click.echo(f"{path}: {exc.message}", err=True)
            else:
                click.echo(exc.message, err=True)
            sys.exit(1)
    verb = "Would import" if dry_run else "Imported"
    click.echo(f"{verb} {plan.summary()}.")


def _write(text: str, output: str | None) -> None:
    if output in (None, "-"):
        click.echo(text.lstrip("\ufeff"), nl=False)
    else:
        Path(output).write_text(text, encoding="utf-8", newline="")
        click.echo(f"Wrote {output}.", err=True)


def register(app: Flask) -> None:
    """Attach the dossier's click commands to the app."""
    encoding_option = click.option(
        "--encoding", type=click.Choice(list(ENCODINGS)), default="utf-8", show_default=True,
        help="Text encoding of the file (older Excel 'CSV' files are cp1252).")
    dry_run_option = click.option("--dry-run", is_flag=True,
                                  help="Check the file and show what would change; write nothing.")
    file_argument = click.argument("file", type=click.Path(exists=True, dir_okay=False,
                                                            readable=True))

    @app.cli.command("import-vendors")
    @file_argument
    @encoding_option
    @dry_run_option
    def import_vendors(file: str, encoding: str, dry_run: bool) -> None:
        """Import vendors from a CSV file, all or nothing (matched on name)."""
        _import("vendors", file, encoding, dry_run)

    @app.cli.command("import-case-studies")
    @file_argument
    @encoding_option
    @dry_run_option
    def import_case_studies(file: str, encoding: str, dry_run: bool) -> None:
        """Import case studies from a CSV file, all or nothing (matched on vendor + title)."""
        _import("case-studies", file, encoding, dry_run)

    @app.cli.command("export-vendors")
    @click.option("-o", "--output", help="File to write (default: standard output).")
    @click.option("--include-archived", is_flag=True, help="Also export archived vendors.")
    def export_vendors(output: str | None, include_archived: bool) -> None:
        """Export the vendor register as CSV (re-importable; formulas neutralised)."""
        _write(dossier_import.export_vendors(
            db.session, VendorFilter(include_archived=include_archived)), output)

    @app.cli.command("export-case-studies")
    @click.option("-o", "--output", help="File to write (default: standard output).")
    @click.option("--include-archived", is_flag=True,
                  help="Also export case studies of archived vendors.")
    def export_case_studies(output: str | None, include_archived: bool) -> None:
        """Export all case studies as CSV (re-importable; formulas neutralised)."""
        _write(dossier_import.export_case_studies(db.session, include_archived=include_archived),
               output)
