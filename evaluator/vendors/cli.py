"""Vendor dossier commands (imports and exports)."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Attach the dossier's click commands to the app (none yet)."""
