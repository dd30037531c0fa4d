"""vendor portal: invitations (hashed single-purpose links) and the vendor's submissions

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27

portal_invitations keeps only the SHA-256 of each link's secret (unique, the lookup key), the
purpose (comma-separated sections), the deadline and the lifecycle (status, opened_at,
revoked_at). vendor_id is NULL for a vendor not yet in the register (new_vendor_name names it).
portal_submissions holds one invitation's drafts as JSON until a lead accepts or rejects them,
with who edited and reviewed it and what accepting changed (applied). New tables only: nothing
existing changes, and downgrade drops exactly these two tables. Reviewed by hand.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "portal_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=True),
        sa.Column("new_vendor_name", sa.String(length=200), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("contact_name", sa.String(length=120), nullable=False),
        sa.Column("purpose", sa.String(length=100), nullable=False),
        sa.Column("guide_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("link_issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_portal_invitations_created_by_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["guide_id"], ["interview_guides.id"],
                                name=op.f("fk_portal_invitations_guide_id_interview_guides"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["vendor_id"], ["vendors.id"],
                                name=op.f("fk_portal_invitations_vendor_id_vendors"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_portal_invitations_token_hash")),
    )
    for column in ("created_by_id", "expires_at", "guide_id", "status", "vendor_id"):
        op.create_index(op.f(f"ix_portal_invitations_{column}"), "portal_invitations",
                        [column], unique=False)

    op.create_table(
        "portal_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column("case_studies", sa.JSON(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("edited_by_id", sa.Integer(), nullable=True),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("applied", sa.JSON(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["edited_by_id"], ["users.id"],
                                name=op.f("fk_portal_submissions_edited_by_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["invitation_id"], ["portal_invitations.id"],
            name=op.f("fk_portal_submissions_invitation_id_portal_invitations"),
            ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["users.id"],
                                name=op.f("fk_portal_submissions_reviewed_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_submissions")),
        sa.UniqueConstraint("invitation_id", name=op.f("uq_portal_submissions_invitation_id")),
    )
    for column in ("edited_by_id", "reviewed_by_id"):
        op.create_index(op.f(f"ix_portal_submissions_{column}"), "portal_submissions",
                        [column], unique=False)


def downgrade():
    op.drop_table("portal_submissions")  # its indexes go with it
    op.drop_table("portal_invitations")
