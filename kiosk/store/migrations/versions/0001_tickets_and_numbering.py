"""Tickets and per-day number blocks.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("prefix", sa.String(1), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(12), nullable=False),
        sa.Column("service_code", sa.String(32), nullable=False),
        sa.Column("priority", sa.Boolean(), nullable=False),
        sa.Column("kiosk_id", sa.String(32), nullable=False),
        sa.Column("issued_at", sa.String(32), nullable=False),
        sa.Column("waiting_ahead", sa.Integer(), nullable=True),
        sa.Column("print_state", sa.String(16), nullable=False),
        sa.UniqueConstraint("day", "prefix", "seq", name="uq_tickets_day_prefix_seq"),
    )
    op.create_index("ix_tickets_day_service", "tickets", ["day", "service_code"])
    op.create_table(
        "number_blocks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("prefix", sa.String(1), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=True),
        sa.Column("next", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
    )
    op.create_index("ix_number_blocks_day_prefix", "number_blocks", ["day", "prefix"])


def downgrade() -> None:
    op.drop_table("number_blocks")
    op.drop_table("tickets")
