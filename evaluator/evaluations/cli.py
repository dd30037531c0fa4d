"""Evaluation commands (interchange import/export, ranking)."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Attach the evaluation click commands to the app."""
