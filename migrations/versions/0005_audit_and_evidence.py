"""audit_events append-only at the database level; program context and reference checks

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27

Triggers refuse UPDATE and DELETE on audit_events for every role (PostgreSQL and SQLite), so
the trail stays append-only even for tools that bypass the application. Adds the structured
program context of an evaluation (for relevance matching) and reference checks with their
claims (confirmed / contradicted / not verified).
"""

import sqlalchemy as sa
from alembic import op

from evaluator.models.audit_guard import (
    POSTGRES_CREATE,
    POSTGRES_DROP,
    SQLITE_CREATE,
    SQLITE_DROP,
)

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _statements(create: bool) -> list[str]:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        return POSTGRES_CREATE if create else POSTGRES_DROP
    if dialect == "sqlite":
        return SQLITE_CREATE if create else SQLITE_DROP
    return []


def upgrade():
    for statement in _statements(create=True):
        op.execute(statement)
    op.create_table('reference_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_study_id', sa.Integer(), nullable=False),
    sa.Column('referee_name', sa.String(length=120), nullable=False),
    sa.Column('referee_role', sa.String(length=120), nullable=False),
    sa.Column('called_on', sa.Date(), nullable=True),
    sa.Column('called_by_id', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['called_by_id'], ['users.id'], name=op.f('fk_reference_checks_called_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['case_study_id'], ['case_studies.id'], name=op.f('fk_reference_checks_case_study_id_case_studies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reference_checks'))
    )
    with op.batch_alter_table('reference_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reference_checks_called_by_id'), ['called_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reference_checks_case_study_id'), ['case_study_id'], unique=False)

    op.create_table('reference_claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('check_id', sa.Integer(), nullable=False),
    sa.Column('claim_type', sa.String(length=20), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('verdict', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['check_id'], ['reference_checks.id'], name=op.f('fk_reference_claims_check_id_reference_checks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reference_claims'))
    )
    with op.batch_alter_table('reference_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reference_claims_check_id'), ['check_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reference_claims_verdict'), ['verdict'], unique=False)

    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('context', sa.JSON(), nullable=False,
                                      server_default=sa.text("'{}'")))
        batch_op.add_column(sa.Column('relevance_weights', sa.JSON(), nullable=False,
                                      server_default=sa.text("'{}'")))


def downgrade():
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.drop_column('relevance_weights')
        batch_op.drop_column('context')

    with op.batch_alter_table('reference_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reference_claims_verdict'))
        batch_op.drop_index(batch_op.f('ix_reference_claims_check_id'))

    op.drop_table('reference_claims')
    with op.batch_alter_table('reference_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reference_checks_case_study_id'))
        batch_op.drop_index(batch_op.f('ix_reference_checks_called_by_id'))

    op.drop_table('reference_checks')
    for statement in _statements(create=False):
        op.execute(statement)
