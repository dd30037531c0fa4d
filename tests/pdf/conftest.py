"""Fixtures for the memo tests: the demo data set and a PDF-to-text helper."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from evaluator.extensions import db
from evaluator.models import Evaluation
from evaluator.services.demo import seed_demo

DEMO_PASSWORD = "demo-password-2026"


@pytest.fixture
def demo(app) -> Evaluation:
    """The demo data set; returns evaluation 1, "Core banking integration partner (demo)"."""
    seed_demo(db.session)
    return db.session.scalars(select(Evaluation).order_by(Evaluation.id)).first()


def pdf_text(data: bytes) -> str:
    """All the text of a PDF, whitespace runs collapsed to one space."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def squeeze(text: str) -> str:
    """Text without any whitespace, for phrases a line break may split anywhere."""
    return re.sub(r"\s+", "", text)
