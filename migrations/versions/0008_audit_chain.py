"""audit trail: hash chain columns (backfilled for existing rows) and a TRUNCATE guard

Revision ID: 0008
Revises: 0009
Create Date: 2026-12-05

Each audit row gets prev_hash and hash (evaluator/audit_chain.py); existing rows are chained
in id order here, with the UPDATE guard lifted only for this backfill. PostgreSQL gets a
statement-level trigger refusing TRUNCATE of audit_events.
"""

import sqlalchemy as sa
from alembic import op

from evaluator import audit_chain
from evaluator.models.audit_guard import (
    POSTGRES_CREATE,
    POSTGRES_DROP,
    POSTGRES_TRUNCATE_CREATE,
    POSTGRES_TRUNCATE_DROP,
    SQLITE_CREATE,
    SQLITE_DROP,
)

revision = "0008"
down_revision = "0009"
branch_labels = None
depends_on = None

_events = sa.table(
    "audit_events", sa.column("id", sa.Integer), sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor_id", sa.Integer), sa.column("actor", sa.String),
    sa.column("action", sa.String), sa.column("entity_type", sa.String),
    sa.column("entity_id", sa.Integer), sa.column("before", sa.JSON),
    sa.column("after", sa.JSON), sa.column("prev_hash", sa.String), sa.column("hash", sa.String))


def _guards(create: bool) -> list[str]:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        return POSTGRES_CREATE if create else POSTGRES_DROP
    if dialect == "sqlite":
        return SQLITE_CREATE if create else SQLITE_DROP
    return []


def _backfill() -> None:
    bind = op.get_bind()
    prev = audit_chain.GENESIS
    rows = bind.execute(sa.select(_events).order_by(_events.c.id)).mappings().all()
    for row in rows:
        values = dict(row)
        values["before"] = audit_chain.plain_json(values["before"])
        values["after"] = audit_chain.plain_json(values["after"])
        digest = audit_chain.content_hash(prev, values)
        bind.execute(_events.update().where(_events.c.id == row["id"])
                     .values(prev_hash=prev, hash=digest))
        prev = digest


def upgrade():
    for statement in _guards(create=False):
        op.execute(statement)
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=False,
                                      server_default=""))
    _backfill()
    for statement in _guards(create=True):
        op.execute(statement)
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_TRUNCATE_CREATE:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_TRUNCATE_DROP:
            op.execute(statement)
    for statement in _guards(create=False):
        op.execute(statement)
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
    for statement in _guards(create=True):
        op.execute(statement)
