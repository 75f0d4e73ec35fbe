"""The hall server: the service the kiosks of a hall (or a city) sync with.

FastAPI on uvicorn, SQLAlchemy 2 + Alembic on SQLite (one hall) or PostgreSQL (many halls,
several workers). The wire protocol lives in :mod:`sync.protocol`; the roster format in
:mod:`roster`. Never imports the kiosk application.
"""
