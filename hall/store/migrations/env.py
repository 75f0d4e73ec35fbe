"""Alembic environment: the server passes its own connection in ``config.attributes``."""

from alembic import context

from hall.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when someone runs the alembic CLI by hand
    raise RuntimeError("run migrations with `hall db upgrade`, not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite needs batch mode for most ALTER TABLE changes
)
with context.begin_transaction():
    context.run_migrations()
