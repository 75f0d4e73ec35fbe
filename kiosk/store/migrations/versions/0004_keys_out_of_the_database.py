"""Keys out of the database, no part of an ID number at rest.

- The ticket-hash key (``local_secrets``) and the roster key (``roster_meta.hash_key``)
  move to the key store the kiosk passes in (``config.attributes["keys"]``);
  ``roster_meta`` keeps only the key's id. A database that holds keys and is migrated
  without a key store is refused (the keys would be lost).
- ``tickets.id_masked`` and ``staff_audit.id_masked`` (the first and last 4 characters of
  the number) are dropped; a per-day ``visitor_ref`` derived from the keyed hash takes
  their place for staff.
- Afterwards the file is rewritten (``kiosk.store.migrate.wipe_free_space``: secure_delete,
  VACUUM, WAL truncated), so the removed bytes are gone from the file and its WAL.

Revision ID: 0004
Revises: 0003
"""

from datetime import date

import sqlalchemy as sa
from alembic import context, op

from kiosk.domain.ticket import visitor_reference
from kiosk.store.keystore import TICKET_KEY, KeyStoreError, new_roster_key_id

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

OLD_TICKET_KEY = "ticket_hash"  # its name in local_secrets


def upgrade() -> None:
    connection = op.get_bind()
    connection.exec_driver_sql("PRAGMA secure_delete=ON")
    keys = context.config.attributes.get("keys")
    ticket_key = connection.execute(
        sa.text("SELECT value FROM local_secrets WHERE name = :n"), {"n": OLD_TICKET_KEY}
    ).scalar()
    roster_key = connection.execute(sa.text("SELECT hash_key FROM roster_meta")).scalar()
    if (ticket_key is not None or roster_key is not None) and keys is None:
        raise KeyStoreError(
            "this ticket database holds keys that must move to the key store, and none was"
            " given; open it through the kiosk (kiosk check) to migrate it"
        )
    if ticket_key is not None:
        keys.put(TICKET_KEY, bytes(ticket_key))
    roster_key_id = None
    if roster_key is not None:
        roster_key_id = new_roster_key_id()
        keys.put(roster_key_id, bytes(roster_key))

    with op.batch_alter_table("roster_meta") as batch:
        batch.add_column(sa.Column("key_id", sa.String(64), nullable=False, server_default=""))
    if roster_key_id is not None:
        connection.execute(sa.text("UPDATE roster_meta SET key_id = :k"), {"k": roster_key_id})
    with op.batch_alter_table("roster_meta") as batch:
        batch.drop_column("hash_key")

    for table in ("tickets", "staff_audit"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("visitor_ref", sa.String(8), nullable=True))
    rows = connection.execute(
        sa.text("SELECT id, id_hash, day FROM tickets WHERE id_hash IS NOT NULL")
    ).all()
    if rows:
        connection.execute(
            sa.text("UPDATE tickets SET visitor_ref = :ref WHERE id = :id"),
            [{"ref": visitor_reference(h, date.fromisoformat(d)), "id": i} for i, h, d in rows],
        )
    connection.execute(
        sa.text(
            "UPDATE staff_audit SET visitor_ref ="
            " (SELECT visitor_ref FROM tickets WHERE tickets.id = staff_audit.ticket_id)"
        )
    )
    for table in ("tickets", "staff_audit"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("id_masked")
    op.drop_table("local_secrets")
    context.config.attributes["wipe"] = True


def downgrade() -> None:
    """Back to 0003's shape, without its secrets: the keys stay in the key store."""
    op.create_table(
        "local_secrets",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.LargeBinary(64), nullable=False),
    )
    for table in ("tickets", "staff_audit"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("id_masked", sa.String(32), nullable=True))
            batch.drop_column("visitor_ref")
    with op.batch_alter_table("roster_meta") as batch:
        batch.add_column(
            sa.Column("hash_key", sa.LargeBinary(64), nullable=False, server_default=b"")
        )
        batch.drop_column("key_id")
