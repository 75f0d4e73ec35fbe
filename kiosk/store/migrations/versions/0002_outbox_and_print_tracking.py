"""Outbox for the hall server, and print tracking (failed prints, reprints, voids).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("print_error", sa.String(200), nullable=True))
        batch.add_column(sa.Column("printed_at", sa.String(32), nullable=True))
        batch.add_column(
            sa.Column("reprint_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("voided_at", sa.String(32), nullable=True))
    op.create_table(
        "outbox",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("ticket_id", sa.String(36), sa.ForeignKey("tickets.id"), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("sent_at", sa.String(32), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.String(200), nullable=True),
    )
    op.create_index("ix_outbox_unsent", "outbox", ["sent_at", "urgent"])


def downgrade() -> None:
    op.drop_table("outbox")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("voided_at")
        batch.drop_column("reprint_count")
        batch.drop_column("printed_at")
        batch.drop_column("print_error")
