"""Every join and list filter has an index (migrations follow the models: test_migrations.py).

Why: PostgreSQL does not index foreign keys by itself, so a join or cascade on an unindexed
foreign key scans the child table; the list pages filter on a few known columns.
"""

from __future__ import annotations

import pytest
from sqlalchemy import PrimaryKeyConstraint, UniqueConstraint

from evaluator.extensions import db

# (table, column): the filters of the list pages (vendors, past programs, audit, evaluations).
LIST_FILTERS = [
    ("vendors", "country"),
    ("vendors", "sector"),
    ("vendors", "archived_at"),
    ("certifications", "name"),
    ("past_programs", "vendor_name"),
    ("past_programs", "evaluation_id"),
    ("audit_events", "entity_type"),
    ("audit_events", "at"),
    ("evaluations", "status"),
    ("memberships", "user_id"),
]


def _leading_columns(table) -> set[str]:
    """Columns that lead some index, unique constraint or primary key of the table."""
    leading = {next(iter(ix.columns)).name for ix in table.indexes if ix.columns}
    leading |= {next(iter(c.columns)).name for c in table.constraints
                if isinstance(c, UniqueConstraint | PrimaryKeyConstraint) and c.columns}
    return leading


def test_every_foreign_key_leads_an_index(app):
    missing = [f"{t.name}.{fk.parent.name}" for t in db.metadata.sorted_tables
               for fk in t.foreign_keys if fk.parent.name not in _leading_columns(t)]
    assert missing == []


@pytest.mark.parametrize(("table", "column"), LIST_FILTERS)
def test_list_filters_are_indexed(app, table, column):
    assert column in _leading_columns(db.metadata.tables[table])
