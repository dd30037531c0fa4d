"""One JSON checker for everything the app reads as JSON: API request bodies (api/payloads.py)
and interchange documents (services/interchange/validation.py).

A checker collects every problem with its JSON path, so one answer lists them all. The value
rules are the same on both paths: objects refuse unknown and repeated keys, strings refuse NUL
characters and lone surrogates and are trimmed, numbers must be finite JSON numbers (NaN and
Infinity are reported, not read), booleans are JSON true/false.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from typing import Any

from .limits import MAX_JSON_DEPTH, control_character

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class JsonObject(dict):
    """A JSON object that remembers keys it saw twice (json keeps the last one silently)."""

    duplicates: tuple[str, ...] = ()


class NonStandard:
    """NaN / Infinity: Python's json accepts them, JSON does not (reported by path)."""

    def __init__(self, text: str) -> None:
        self.text = text


def object_pairs(pairs: list[tuple[str, Any]]) -> JsonObject:
    """json.loads object_pairs_hook that keeps duplicate keys visible."""
    obj, dupes = JsonObject(), []
    for key, value in pairs:
        if key in obj:
            dupes.append(key)
        obj[key] = value
    obj.duplicates = tuple(dupes)
    return obj


class JsonSyntaxError(ValueError):
    """Not one readable JSON document (message with line and column, or the reason)."""


def depth(value: Any) -> int:
    """Nesting depth of arrays/objects, iteratively (a deep value must not exhaust the stack)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def read(raw: bytes) -> Any:
    """UTF-8 bytes -> a value for a JsonChecker (loads below), at most MAX_JSON_DEPTH deep;
    JsonSyntaxError otherwise."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise JsonSyntaxError("The body is not UTF-8 text.") from None
    try:
        value = loads(text)
    except json.JSONDecodeError as exc:
        raise JsonSyntaxError(f"The body is not valid JSON (line {exc.lineno}, column "
                              f"{exc.colno}: {exc.msg}).") from None
    except RecursionError:
        raise JsonSyntaxError(f"The body is nested more than {MAX_JSON_DEPTH} levels "
                              "deep.") from None
    if depth(value) > MAX_JSON_DEPTH:
        raise JsonSyntaxError(f"The body is nested more than {MAX_JSON_DEPTH} levels deep.")
    return value


def loads(text: str) -> Any:
    """json.loads keeping duplicate keys and NaN/Infinity visible to a JsonChecker.
    Raises json.JSONDecodeError, and RecursionError for absurd nesting."""
    return json.loads(text, object_pairs_hook=object_pairs, parse_constant=NonStandard)


def at(path: str, key: str) -> str:
    """The path of `key` inside the object at `path` ("" is the top of an API body)."""
    if not path:
        return key
    return f"{path}.{key}" if _IDENT.fullmatch(key) else f"{path}[{json.dumps(key)}]"


def kind(value: Any) -> str:
    """What a JSON value is, for messages ("got a string")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, NonStandard):
        return f"{value.text} (not valid JSON)"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


class JsonChecker:
    """Collects (path, message) problems while reading a JSON value."""

    def __init__(self, max_problems: int | None = None) -> None:
        self.problems: list[tuple[str, str]] = []
        self.max_problems = max_problems

    def fail(self, path: str, message: str) -> None:
        if self.max_problems is None or len(self.problems) < self.max_problems:
            self.problems.append((path, message))

    def obj(self, value: Any, path: str, required: Iterable[str] = (),
            optional: Iterable[str] = ()) -> dict | None:
        """An object with only the named keys and every required one."""
        if not isinstance(value, dict):
            self.fail(path, f"must be an object, got {kind(value)}")
            return None
        required, optional = tuple(required), tuple(optional)
        for key in getattr(value, "duplicates", ()):
            self.fail(at(path, key), "appears twice in the same object")
        allowed = required + optional
        for key in value:
            if key not in allowed:
                self.fail(at(path, key), f"unknown field (allowed: {', '.join(allowed)})")
        for key in required:
            if key not in value:
                self.fail(at(path, key), "is required")
        return value

    def array(self, value: Any, path: str, max_items: int | None = None) -> list:
        if not isinstance(value, list):
            self.fail(path, f"must be a list, got {kind(value)}")
            return []
        if max_items is not None and len(value) > max_items:
            self.fail(path, f"has {len(value)} entries; at most {max_items} are allowed")
            return []
        return value

    def text(self, value: Any, path: str, max_len: int, *, required: bool = False) -> str | None:
        """A string, trimmed; None (and a problem) when it breaks a rule."""
        if not isinstance(value, str):
            self.fail(path, f"must be a string, got {kind(value)}")
            return None
        if control_character(value):
            self.fail(path, f"contains the control character {control_character(value)} "
                            "(only tab and line breaks are allowed)")
            return None
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            self.fail(path, "must be valid Unicode text")
            return None
        value = value.strip()
        if required and not value:
            self.fail(path, "must not be empty")
            return None
        if len(value) > max_len:
            self.fail(path, f"is {len(value)} characters long; at most {max_len} are allowed")
            return None
        return value

    def number(self, value: Any, path: str, *, nullable: bool = False,
               low: float | None = None, high: float | None = None) -> float | None:
        """A finite JSON number as float (within [low, high] when given); None for null when
        nullable."""
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(path, f"must be a number{' or null' if nullable else ''}, got {kind(value)}")
            return None
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            self.fail(path, "must be a finite number")
            return None
        if (low is not None and number < low) or (high is not None and number > high):
            bounds = (f"lie between {low:g} and {high:g}" if low is not None and high is not None
                      else f"be at least {low:g}" if low is not None else f"be at most {high:g}")
            self.fail(path, f"must {bounds}")
            return None
        return number

    def integer(self, value: Any, path: str, low: int, high: int, *,
                nullable: bool = True) -> int | None:
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or (
                isinstance(value, float) and not value.is_integer()):
            self.fail(path, f"must be a whole number{' or null' if nullable else ''}")
            return None
        if not low <= value <= high:
            self.fail(path, f"must lie between {low} and {high}")
            return None
        return int(value)

    def boolean(self, value: Any, path: str, *, nullable: bool) -> bool | None:
        if value is None and nullable:
            return None
        if not isinstance(value, bool):
            self.fail(path, "must be true or false" + (" or null" if nullable else ""))
            return None
        return value
