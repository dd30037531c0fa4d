"""Decision integrity: evidence rule, closed-with-missing evaluators, conflict attestation and
flagged conflicts, moderated scores beside the independent ones, decision history (reopening
revokes a decision instead of deleting it)

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("evidence_rule", sa.String(length=20), nullable=False,
                                      server_default="extremes"))
        batch_op.add_column(sa.Column("closed_missing", sa.JSON(), nullable=False,
                                      server_default="[]"))
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attested_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("conflicts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("declared_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("after_submission", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("resolution", sa.String(length=20), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("resolution_note", sa.Text(), nullable=False,
                                      server_default=""))
    with op.batch_alter_table("scores", schema=None) as batch_op:
        batch_op.add_column(sa.Column("moderated_value", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("moderation_reason", sa.Text(), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("moderated_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("moderated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_scores_moderated_by_id"), ["moderated_by_id"],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_scores_moderated_by_id_users"), "users",
                                    ["moderated_by_id"], ["id"], ondelete="SET NULL")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_constraint("uq_decisions_evaluation_id", type_="unique")
        batch_op.create_index(batch_op.f("ix_decisions_evaluation_id"), ["evaluation_id"],
                              unique=False)
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("revoked_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("revoke_reason", sa.Text(), nullable=False,
                                      server_default=""))
        batch_op.create_index(batch_op.f("ix_decisions_revoked_by_id"), ["revoked_by_id"],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_decisions_revoked_by_id_users"), "users",
                                    ["revoked_by_id"], ["id"], ondelete="SET NULL")
    # Defaults belong to the models (lambda/column defaults), not to the schema.
    for table, column in (("evaluations", "evidence_rule"), ("evaluations", "closed_missing"),
                          ("conflicts", "after_submission"), ("conflicts", "resolution"),
                          ("conflicts", "resolution_note"), ("scores", "moderation_reason"),
                          ("decisions", "revoke_reason")):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, server_default=None)


def downgrade():
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_decisions_revoked_by_id_users"),
                                 type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_decisions_revoked_by_id"))
        batch_op.drop_column("revoke_reason")
        batch_op.drop_column("revoked_by_id")
        batch_op.drop_column("revoked_at")
        batch_op.drop_index(batch_op.f("ix_decisions_evaluation_id"))
        batch_op.create_unique_constraint("uq_decisions_evaluation_id", ["evaluation_id"])
    with op.batch_alter_table("scores", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_scores_moderated_by_id_users"),
                                 type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_scores_moderated_by_id"))
        batch_op.drop_column("moderated_at")
        batch_op.drop_column("moderated_by_id")
        batch_op.drop_column("moderation_reason")
        batch_op.drop_column("moderated_value")
    with op.batch_alter_table("conflicts", schema=None) as batch_op:
        batch_op.drop_column("resolution_note")
        batch_op.drop_column("resolution")
        batch_op.drop_column("after_submission")
        batch_op.drop_column("declared_at")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_column("attested_at")
    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.drop_column("closed_missing")
        batch_op.drop_column("evidence_rule")
