"""The service layer's errors: one home, so views and commands catch one class per kind.

Views turn them into a flash and a 4xx, the API into a JSON error, the CLI into a one-line
message. Core errors (scoring.ScoringError) pass through services unchanged.
"""

from __future__ import annotations


class WorkflowError(ValueError):
    """A step that is not allowed now, with the reason a user can act on."""


class ConcurrentEdit(WorkflowError):
    """Someone else saved this first; the caller keeps the user's input to retry."""


class OutcomeError(ValueError):
    """A request about outcomes that cannot be carried out as given (message for the user)."""


class EvaluationDecided(WorkflowError):
    """A change to a decided (frozen) evaluation; the message names the decision. HTTP 409."""


class EvaluationNotFound(LookupError):
    """No evaluation with that id."""

    def __init__(self, evaluation_id: int) -> None:
        self.evaluation_id = evaluation_id
        super().__init__(f"There is no evaluation with id {evaluation_id}.")
