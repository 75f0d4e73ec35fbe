"""Green channel: roster (keyed hashes only), priority details on tickets, staff audit.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("category", sa.String(32), nullable=True))
        batch.add_column(sa.Column("reason", sa.String(64), nullable=True))
        batch.add_column(sa.Column("id_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("id_masked", sa.String(32), nullable=True))
        batch.create_index("ix_tickets_id_hash", ["id_hash"])
    op.create_table(
        "roster_entries",
        sa.Column("id_hash", sa.LargeBinary(32), primary_key=True),
        sa.Column("category", sa.String(24), primary_key=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "roster_meta",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(64), nullable=False),
        sa.Column("hash_key", sa.LargeBinary(64), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "staff_audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("staff", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("ticket_id", sa.String(36), nullable=True),
        sa.Column("id_masked", sa.String(32), nullable=True),
    )
    op.create_table(
        "local_secrets",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.LargeBinary(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("local_secrets")
    op.drop_table("staff_audit")
    op.drop_table("roster_meta")
    op.drop_table("roster_entries")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_index("ix_tickets_id_hash")
        batch.drop_column("id_masked")
        batch.drop_column("id_hash")
        batch.drop_column("reason")
        batch.drop_column("category")
