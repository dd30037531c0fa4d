"""Reading the ranking object (docs/scoring.md, "JSON output") defensively for the charts.

A chart is drawn on pages that must not fail: missing keys, nulls and an empty evaluation
read as "nothing to show", never as an exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .svg import finite


def section(data: Any, key: str) -> Mapping[str, Any]:
    """The dict ``data[key]``, or an empty one."""
    value = data.get(key) if isinstance(data, Mapping) else None
    return value if isinstance(value, Mapping) else {}


def items(data: Any, key: str) -> list[Mapping[str, Any]]:
    """The list ``data[key]`` keeping only dict entries; [] when absent or not a list."""
    value = data.get(key) if isinstance(data, Mapping) else None
    return [x for x in value if isinstance(x, Mapping)] if isinstance(value, list) else []


def vendors(ranking: Any) -> list[Mapping[str, Any]]:
    """Vendors in the ranking's own order (rank order; unranked, incomplete vendors last)."""
    return items(ranking, "vendors")


def vendor_name(vendor: Mapping[str, Any]) -> str:
    name = vendor.get("name")
    return str(name) if name not in (None, "") else f"Vendor {vendor.get('id')}"


def names_by_id(ranking: Any) -> dict[Any, str]:
    return {_key(v.get("id")): vendor_name(v) for v in vendors(ranking)}


def criterion_names(ranking: Any) -> dict[str, str]:
    return {str(c.get("key")): str(c.get("name") or c.get("key")) for c in items(ranking, "criteria")}


def competing(vendor: Mapping[str, Any]) -> bool:
    """Complete, not knocked out and scored: the vendors that can hold rank 1."""
    return (
        not vendor.get("knocked_out")
        and not vendor.get("incomplete")
        and finite(vendor.get("score")) is not None
    )


def rank_label(vendor: Mapping[str, Any]) -> str:
    rank = vendor.get("rank")
    return str(rank) if isinstance(rank, int) and not isinstance(rank, bool) else "–"


def _key(value: Any) -> Any:
    """Ids are JSON scalars; anything unhashable is compared by its text."""
    try:
        hash(value)
    except TypeError:
        return str(value)
    return value


def lookup(mapping: Mapping[Any, str], vendor_id: Any) -> str:
    return mapping.get(_key(vendor_id), f"Vendor {vendor_id}")


def and_list(words: list[str]) -> str:
    if len(words) <= 2:
        return " and ".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]
