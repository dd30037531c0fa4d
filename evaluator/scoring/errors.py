"""Domain errors of the scoring core.

Every error the core raises on bad input is a :class:`ScoringError`, a ``ValueError``
subclass, so the service layer can turn any of them into a form error, a 4xx JSON body or a
CLI message with one ``except ScoringError`` while a plain ``ValueError`` raised by a caller's
bug is still caught by tests. Messages are written for the person who typed the input.
"""

from __future__ import annotations


class ScoringError(ValueError):
    """Base class: the input cannot be scored as given (the message says why)."""


class InvalidScale(ScoringError):
    """The scale bounds are not finite numbers with ``min < max``."""


class InvalidCriteria(ScoringError):
    """Criteria keys are duplicated or empty, or a knockout threshold lies outside the scale."""


class InvalidWeights(ScoringError):
    """Weights are negative, not finite, all zero, or name criteria that do not exist."""


class InvalidScore(ScoringError):
    """A score is off the scale, duplicated, or names an unknown vendor or criterion."""


class InvalidJudgements(ScoringError):
    """An AHP pairwise comparison matrix is not square, positive and reciprocal."""


class InconsistentJudgements(ScoringError):
    """An AHP pairwise comparison matrix has a consistency ratio above 0.10.

    The offending ratio is kept on ``consistency_ratio`` so a form can show it.
    """

    def __init__(self, message: str, consistency_ratio: float) -> None:
        super().__init__(message)
        self.consistency_ratio = consistency_ratio


class InvalidLens(ScoringError):
    """A lens has no name, a duplicated name, or weights that cannot be normalised."""


class InvalidSampling(ScoringError):
    """Robustness sampling parameters are out of range (samples < 1, concentration <= 0)."""


class InvalidDeliveryFigure(ScoringError):
    """A planned or actual duration or budget is negative or not a finite number."""
