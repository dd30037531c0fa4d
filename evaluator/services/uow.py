"""The one transaction rule: a use case commits once, on success, and rolls back on any error.

`unit_of_work(session)` is the context manager (cosmicpython's `with uow:`); `transaction` is the
same rule as a decorator for a service function whose first argument is the session. Only the
outermost unit commits or rolls back: a use case that calls another joins its transaction, so a
failure half-way through either leaves nothing behind. Views and commands never call commit or
rollback; they catch the service's error and show it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from sqlalchemy.orm import Session

_DEPTH = "evaluator.uow_depth"
P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def unit_of_work(session: Session) -> Iterator[Session]:
    """Commit when the block ends normally, roll back (and re-raise) when it raises."""
    depth = session.info.get(_DEPTH, 0)
    session.info[_DEPTH] = depth + 1
    try:
        yield session
        if depth == 0:
            session.commit()
    except BaseException:
        if depth == 0:
            session.rollback()
        raise
    finally:
        session.info[_DEPTH] = depth


def transaction(fn: Callable[P, R]) -> Callable[P, R]:
    """Run a service function (session first) as one unit of work."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        session = args[0] if args else kwargs["session"]
        with unit_of_work(session):  # type: ignore[arg-type]
            return fn(*args, **kwargs)

    return run
