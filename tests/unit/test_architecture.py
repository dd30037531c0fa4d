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


SERVICES = SCORING.parent / "services"
WEB_ONLY = ("flask", "flask_login", "flask_wtf", "werkzeug")


def service_files() -> list[Path]:
    return sorted(SERVICES.rglob("*.py"))


def test_services_package_has_modules():
    assert len(service_files()) >= 10


@pytest.mark.parametrize("path", service_files(), ids=lambda p: str(p.relative_to(SERVICES)))
def test_services_import_nothing_of_the_web(path: Path):
    """Services take the session and return data: no request, g, templates or responses."""
    bad = imported_modules(path.read_text(encoding="utf-8")) & set(WEB_ONLY)
    assert not bad, f"services/{path.relative_to(SERVICES)} imports {sorted(bad)}"


def test_only_the_ranking_service_builds_the_ranking_object():
    """One use case: services/ranking.py is the only caller of the core's ranking_object."""
    package = SCORING.parent
    callers = {
        str(path.relative_to(package)) for path in package.rglob("*.py")
        if "ranking_object(" in path.read_text(encoding="utf-8")
        and not path.is_relative_to(SCORING)
    }
    assert callers == {"services/ranking.py"}
