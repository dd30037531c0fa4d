"""The scoring core stays pure: nothing under evaluator/scoring imports flask or sqlalchemy."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SCORING = Path(__file__).resolve().parents[2] / "evaluator" / "scoring"
FORBIDDEN = ("flask", "sqlalchemy", "flask_sqlalchemy", "flask_login", "flask_wtf", "werkzeug")


def imported_modules(source: str) -> set[str]:
    """Top-level names of every module an ``import`` or ``from ... import`` statement names."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def scoring_files() -> list[Path]:
    return sorted(SCORING.rglob("*.py"))


def test_scoring_package_has_modules():
    assert len(scoring_files()) >= 10


@pytest.mark.parametrize("path", scoring_files(), ids=lambda p: p.name)
def test_no_web_or_database_imports(path: Path):
    bad = imported_modules(path.read_text(encoding="utf-8")) & set(FORBIDDEN)
    assert not bad, f"{path.name} imports {sorted(bad)}: the scoring core must stay pure"


def test_detector_catches_forbidden_imports():
    source = "import flask\nfrom sqlalchemy.orm import Session\nimport numpy as np\n"
    assert imported_modules(source) & set(FORBIDDEN) == {"flask", "sqlalchemy"}
