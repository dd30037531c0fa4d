"""Outcome commands: import past program outcomes, train and list outcome model versions."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask

from ..audit import acting_as
from ..extensions import db
from ..scoring.outcome import OutcomeModelError
from ..services import outcome_import
from ..services import outcomes as outcome_service


def _fmt(value, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _interval(item: dict) -> str:
    ci = item.get("ci95")
    return f"{_fmt(item['mean'])} (95 % interval {_fmt(ci[0])} to {_fmt(ci[1])})" if ci else \
        _fmt(item["mean"])


def register(app: Flask) -> None:
    """Attach the outcome click commands to the app."""

    @app.cli.command("import-outcomes")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Check the file and report; change nothing.")
    def import_outcomes(path: Path, dry_run: bool) -> None:
        """Import past programs with known outcomes from a CSV file (all rows or none).

        Columns: vendor, program, success (0/1); optional year, on_time, on_budget, notes;
        every other column is a numeric pre-award feature (docs/formats.md, "Past program outcomes").
        """
        data = path.read_bytes()
        with acting_as(None, "cli"):
            try:
                if dry_run:
                    preview = outcome_import.parse_outcomes_csv(db.session, data)
                else:
                    preview = outcome_import.import_outcomes(db.session, data)
            except outcome_import.OutcomeImportError as exc:
                lines = [str(e) for e in exc.errors[:outcome_import.MAX_ERRORS_SHOWN]]
                if len(exc.errors) > len(lines):
                    lines.append(f"... and {len(exc.errors) - len(lines)} more")
                raise click.ClickException(
                    f"{path.name}: nothing was imported; {len(exc.errors)} problem(s):\n  "
                    + "\n  ".join(lines)) from exc
        verb = "Would import" if dry_run else "Imported"
        click.echo(f"{verb} {len(preview.rows)} past programs ({preview.successes} successes); "
                   f"{preview.matched_vendors} registered vendors matched by name.")
        click.echo("Features: " + (", ".join(preview.features) or "none"))

    @app.cli.command("train-model")
    @click.option("--repeats", type=click.IntRange(1, 100), default=None,
                  help="Distinct vendor-grouped partitions (default up to 10; 3 above 500 "
                       "programs).")
    @click.option("--seed", type=int, default=0, show_default=True)
    @click.option("--no-activate", is_flag=True, help="Keep the current model active.")
    @click.option("--json", "as_json", is_flag=True,
                  help="Print the new version's card as one JSON object (docs/outcome-model.md).")
    def train_model(repeats: int | None, seed: int, no_activate: bool, as_json: bool) -> None:
        """Validate and train a new outcome model version (every version is kept).

        Exit status 0 when a version was trained (whatever its skill), 1 with a one-line reason
        when the data cannot support one.
        """
        with acting_as(None, "cli"), click.progressbar(
            length=1, label="Cross-validating", show_pos=True, file=sys.stderr,
            hidden=as_json,
        ) as bar:

            def progress(done: int, total: int) -> None:
                bar.length = total
                bar.update(done - bar.pos)

            try:
                model = outcome_service.train_model(
                    db.session, n_repeats=repeats, seed=seed, activate=not no_activate,
                    progress=progress)
            except OutcomeModelError as exc:
                raise click.ClickException(" ".join(str(exc).split())) from exc
        if as_json:
            labels = outcome_service.criterion_labels(db.session)
            click.echo(json.dumps(outcome_service.model_card(model, labels), sort_keys=True))
            return
        m = model.metrics
        ev, splits = m["evidence"], m["splits"]
        click.echo(f"Model version {model.version} trained on {m['n']} past programs from "
                   f"{m['n_vendors']} vendors ({m['n_success']} successes)"
                   + (" - demo data" if m["data"]["demo"] else "") + ".")
        click.echo(f"Evidence: effective number of vendors {ev['effective_vendors']:.1f}, "
                   f"largest vendor {ev['largest_vendor_share']:.0%} of the programs.")
        click.echo(f"Validation ({splits['method']}, {splits['distinct_partitions']} distinct "
                   f"partition(s) x {splits['folds']} folds, {splits['unscorable_folds']} of "
                   f"{splits['total_folds']} folds unscorable; vendor-cluster bootstrap):")
        click.echo(f"  ROC AUC      {_interval(m['auc'])}; chance 0.50")
        click.echo(f"  Brier score  {_interval(m['brier'])}; base rate alone "
                   f"{_fmt(m['brier_baseline']['mean'], 3)}")
        gain = m["brier_skill"]
        shown = "n/a" if gain["mean"] is None else f"{gain['mean']:.0%}"
        if gain["ci95"]:
            shown += f" (95 % interval {gain['ci95'][0]:.0%} to {gain['ci95'][1]:.0%})"
        click.echo(f"  Improvement on the base rate {shown}; a skill verdict needs the interval "
                   "above 0")
        click.echo(f"  Calibration slope {_interval(m['calibration']['slope'])}; ideal 1.00")
        click.echo("  Calibration-in-the-large "
                   f"{_interval(m['calibration']['in_the_large_points'])} points "
                   "(mean prediction minus observed success rate); ideal 0")
        click.echo(f"  {m['skill_text']}")
        click.echo("Features: " + ", ".join(model.features))
        if m["data"]["dropped_features"]:
            for name, why in m["data"]["dropped_features"].items():
                click.echo(f"  not used: {name} ({why})")
        click.echo("Active: " + ("yes" if model.is_active else "no (use the model page to "
                                                                  "activate it)"))
        click.echo("Advisory only: shown beside the committee's weighted score, never instead.")

    @app.cli.command("outcome-models")
    def outcome_models() -> None:
        """List every outcome model version, newest first."""
        models = outcome_service.list_models(db.session)
        if not models:
            click.echo("No outcome model yet: run `flask train-model`.")
        for model in models:
            m = model.metrics
            click.echo(f"v{model.version}  {model.trained_at:%Y-%m-%d %H:%M}  n={model.n_programs}"
                       f"  AUC {_fmt(m['auc']['mean'])}  Brier {_fmt(m['brier']['mean'], 3)}"
                       f"  skill {m['skill']}"
                       + ("  (predictions withheld)" if outcome_service.withheld_reason(model)
                          else "")
                       + ("  ACTIVE" if model.is_active else ""))
