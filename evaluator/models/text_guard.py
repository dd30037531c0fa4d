"""The text rule (services/limits.py) as the last line of defence: no row is written with a C0
control character in a text column, whatever path set it (a CLI option, a future form).

Every request's fields and every file's cells are checked earlier, with a message naming the
field or cell; this guard only makes sure nothing slips past them on either backend (PostgreSQL
refuses NUL in text with a server error, SQLite would store it).
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import String, Text, event, inspect
from sqlalchemy.orm import Session

from ..services.limits import TextRuleError, control_character


@cache
def _text_columns(mapper) -> tuple[str, ...]:
    return tuple(attr.key for attr in mapper.column_attrs
            if isinstance(attr.columns[0].type, String | Text))


def _check(obj, keys) -> None:
    for key in keys:
        value = getattr(obj, key, None)
        found = control_character(value) if isinstance(value, str) else None
        if found:
            raise TextRuleError(f"{type(obj).__name__}.{key} contains the control character "
                                f"{found}; only tab and line breaks are allowed in text.")


@event.listens_for(Session, "before_flush")
def _refuse_control_characters(session: Session, flush_context, instances) -> None:
    for obj in session.new:
        _check(obj, _text_columns(inspect(obj).mapper))
    for obj in session.dirty:
        state = inspect(obj)
        _check(obj, [key for key in _text_columns(state.mapper)
                     if state.attrs[key].history.has_changes()])
