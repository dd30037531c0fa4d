"""The evaluation interchange format ("evaluator/evaluation@1", docs/formats.md).

Import is two steps so that a bad file writes nothing: ``parse_document`` turns the JSON text
into plain frozen dataclasses or raises InterchangeError listing every problem with its JSON
path (``$.scores[3].value``) or, for syntax errors, its line and column; ``import_evaluation``
then checks what only the database knows (archived vendors, cited evidence, existing accounts)
and writes everything in one transaction. ``export_document`` builds the same shape back, in a
canonical order, so export -> import -> export gives the identical document.

The validation is hand-written rather than a JSON Schema because the useful checks are
cross-references (scores naming listed evaluators, vendors and criteria; lens weights naming
criteria; values on the file's own scale) that a schema cannot express, and the messages must
read well in a terminal.

The package splits by job: document.py (constants, dataclasses, errors, JSON reading),
validation.py (JSON -> EvaluationSpec), importing.py, exporting.py.
"""

from __future__ import annotations

from ..errors import EvaluationNotFound
from .document import FORMAT, EvaluationSpec, ImportResult, InterchangeError, Issue, load_json
from .exporting import export_document
from .importing import import_evaluation
from .validation import parse_document, validate_document

__all__ = [
    "FORMAT", "EvaluationNotFound", "EvaluationSpec", "ImportResult", "InterchangeError", "Issue",
    "export_document", "import_evaluation", "load_json", "parse_document", "validate_document",
]
