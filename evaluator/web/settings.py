"""Settings that request handlers and CLI commands read from the running app and pass to
services, which import no flask."""

from __future__ import annotations

from flask import current_app

from ..services.ranking import Sampling


def sampling() -> Sampling:
    """Robustness sampling from the app's config (ROBUSTNESS_SAMPLES, ROBUSTNESS_CONCENTRATION)."""
    return Sampling.from_config(current_app.config)
