"""outcome model versions

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-28

Every trained version of the outcome model is kept as data (features, parameters, validation
metrics, standardised effects); at most one is active (enforced by the service). Nothing is
pickled. Reviewed by hand.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outcome_models',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('trained_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('trained_by_id', sa.Integer(), nullable=True),
    sa.Column('n_programs', sa.Integer(), nullable=False),
    sa.Column('features', sa.JSON(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('metrics', sa.JSON(), nullable=False),
    sa.Column('coefficients', sa.JSON(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['trained_by_id'], ['users.id'], name=op.f('fk_outcome_models_trained_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outcome_models')),
    sa.UniqueConstraint('version', name=op.f('uq_outcome_models_version'))
    )
    with op.batch_alter_table('outcome_models', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outcome_models_is_active'), ['is_active'], unique=False)
        batch_op.create_index(batch_op.f('ix_outcome_models_trained_by_id'), ['trained_by_id'], unique=False)


def downgrade():
    with op.batch_alter_table('outcome_models', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outcome_models_trained_by_id'))
        batch_op.drop_index(batch_op.f('ix_outcome_models_is_active'))

    op.drop_table('outcome_models')
