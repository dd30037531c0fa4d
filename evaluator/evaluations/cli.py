"""Evaluation commands: interchange import/export (docs/formats.md) and the ranking."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from flask import Flask

from .. import memos, scoring
from ..audit import acting_as
from ..extensions import db
from ..services import interchange
from ..services import memos as memo_service
from ..services.errors import EvaluationNotFound
from ..services.ranking import ranking_for
from ..web import settings


def _refuse(path: str, error: interchange.InterchangeError) -> click.ClickException:
    lines = [f"{path}: {issue}" for issue in error.issues]
    count = len(error.issues)
    lines.append(f"{path}: refused ({count} problem{'s' if count != 1 else ''}); "
                 "nothing was imported.")
    return click.ClickException("\n".join(lines))


def _pct(share: float | None) -> str:
    return "-" if share is None else f"{100 * share:.1f}%"


def _n(count: int, noun: str, plural: str = "") -> str:
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def _num(value: float | None, fmt: str = "{:.1f}") -> str:
    return "-" if value is None else fmt.format(value)


def ranking_table(ranking: dict[str, Any]) -> str:
    """The ranking object as a plain-text table for a terminal."""
    out = [f"Evaluation {ranking['evaluation']['id']}: {ranking['evaluation']['title']}",
           f"Weights: {ranking['lens'] or 'criteria weights'} "
           f"(scale {ranking['scale']['min']}-{ranking['scale']['max']}, scores 0-100)", ""]
    if not ranking["final"]:
        out[1:1] = [f"INTERIM - NOT A DECISION: {ranking['process']['qualifier']}"]
    rows = [("Rank", "Vendor", "Score", "P(rank 1)", "Notes")]
    for v in ranking["vendors"]:
        notes = []
        if v["knocked_out"]:
            notes.append("knocked out on " + ", ".join(v.get("knockouts") or []))
        if v["incomplete"]:
            notes.append("incomplete: no scores on " + ", ".join(v.get("gaps") or []))
        rows.append(("-" if v["rank"] is None else str(v["rank"]), v["name"], _num(v["score"]), _pct(v["p_rank1"]),
                     "; ".join(notes)))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        out.append("  ".join(cell.ljust(widths[i]) if i < 4 else cell
                             for i, cell in enumerate(r)).rstrip())
    out += ["", "Criterion weights, agreement (Krippendorff's alpha) and flip weights:"]
    flips = ranking["sensitivity"]["flip_weights"]
    for c in ranking["criteria"]:
        out.append(f"  {c['key']:<20} {_pct(c['weight']):>7}  alpha "
                   f"{_num(c['agreement_alpha'], '{:.2f}'):>5}  flip at {_pct(flips.get(c['key']))}")
    out.append(f"Overall agreement alpha: {_num(ranking['agreement_alpha'], '{:.2f}')}; "
               f"{ranking['sensitivity']['samples']} weight samples.")
    return "\n".join(out)


def register(app: Flask) -> None:
    """Attach the evaluation click commands to the app."""

    @app.cli.command("import-evaluation")
    @click.argument("path", metavar="FILE.json", type=click.Path(dir_okay=False))
    def import_evaluation(path: str) -> None:
        """Create an evaluation from an interchange file; the new id is the last line."""
        try:
            with open(path, "rb") as handle:
                raw = handle.read()
        except OSError as exc:
            raise click.ClickException(f"{path}: cannot read the file ({exc.strerror}).") from exc
        try:
            spec = interchange.parse_document(raw)
            with acting_as(None, "cli"):
                result = interchange.import_evaluation(db.session, spec)
        except interchange.InterchangeError as exc:
            raise _refuse(path, exc) from exc
        click.echo(
            f"Imported {spec.title!r}: {_n(len(spec.criteria), 'criterion', 'criteria')}, "
            f"{_n(len(spec.vendors), 'vendor')} ({result.vendors_matched} matched in the "
            f"register, {result.vendors_created} created), {_n(len(spec.evaluators), 'member')} "
            f"({_n(result.accounts_created, 'account')} created without a password), "
            f"{_n(result.scores, 'score')} and {_n(result.abstentions, 'abstention')} "
            f"(submitted), {_n(len(spec.lenses), 'lens', 'lenses')}.")
        click.echo(result.evaluation_id)

    @app.cli.command("export-evaluation")
    @click.argument("evaluation_id", metavar="ID", type=int)
    def export_evaluation(evaluation_id: int) -> None:
        """Print an evaluation as an interchange document (JSON)."""
        try:
            document = interchange.export_document(db.session, evaluation_id)
        except EvaluationNotFound as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))

    @app.cli.command("ranking")
    @click.argument("evaluation_id", metavar="ID", type=int)
    @click.option("--lens", default=None, metavar="NAME",
                  help="Rank under this stakeholder lens's weights instead of the criteria's.")
    @click.option("--json", "as_json", is_flag=True, help="Print the ranking object as JSON.")
    def ranking(evaluation_id: int, lens: str | None, as_json: bool) -> None:
        """Print the ranking of an evaluation's submitted scores."""
        try:
            result = ranking_for(db.session, evaluation_id, lens=lens,
                                 sampling=settings.sampling()).ranking
        except EvaluationNotFound as exc:
            raise click.ClickException(str(exc)) from exc
        except scoring.ScoringError as exc:
            raise click.ClickException(f"Evaluation {evaluation_id}: {exc}") from exc
        if as_json:
            click.echo(json.dumps(result, indent=2, ensure_ascii=False))
        else:
            click.echo(ranking_table(result))

    @app.cli.command("memo")
    @click.argument("evaluation_id", metavar="ID", type=int)
    @click.option("-o", "--output", "output", required=True, metavar="FILE.pdf",
                  type=click.Path(dir_okay=False, writable=True),
                  help="Where to write the PDF (replaced only once the memo is complete).")
    @click.option("--lens", default=None, metavar="NAME",
                  help="Recommend under this stakeholder lens's weights instead of the criteria's.")
    def memo(evaluation_id: int, output: str, lens: str | None) -> None:
        """Write the PDF recommendation memo of an evaluation."""

        with memos.gc_paused():
            try:
                context = memo_service.build_memo(db.session, evaluation_id, lens=lens,
                                                  prepared_by="flask memo (CLI)",
                                                  sampling=settings.sampling())
            except EvaluationNotFound as exc:
                raise click.ClickException(str(exc)) from exc
            except scoring.ScoringError as exc:
                raise click.ClickException(f"Evaluation {evaluation_id}: {exc}") from exc
            pdf = memos.render_pdf(memos.render_memo_html(context))
        target = Path(output)
        partial = target.with_name(f".{target.name}.partial")
        try:
            partial.write_bytes(pdf.data)
            partial.replace(target)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise click.ClickException(f"{output}: cannot write the file ({exc.strerror}).") from exc
        with acting_as(None, "cli"):
            memo_service.record_export(db.session, context, pages=pdf.pages,
                                       size=len(pdf.data), via="cli")
        click.echo(f"Wrote {output}: {pdf.pages} pages, {len(pdf.data):,} bytes. "
                   f"Fingerprint {context.fingerprint}")
