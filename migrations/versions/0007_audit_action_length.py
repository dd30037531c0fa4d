"""audit_events.action up to 60 characters (explicit events such as portal.email_invitation)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from evaluator.models.audit_guard import SQLITE_CREATE, SQLITE_DROP

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _recreate_sqlite_triggers():
    """SQLite's batch mode copies the table, which drops its triggers: put them back."""
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_DROP + SQLITE_CREATE:
            op.execute(statement)


def upgrade():
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.alter_column("action", existing_type=sa.String(length=20),
                              type_=sa.String(length=60), existing_nullable=False)
    _recreate_sqlite_triggers()


def downgrade():
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.alter_column("action", existing_type=sa.String(length=60),
                              type_=sa.String(length=20), existing_nullable=False)
    _recreate_sqlite_triggers()
