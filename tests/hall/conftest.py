"""Fixtures of the hall server tests: a real PostgreSQL cluster (one per session, a fresh
database per test module) and a real uvicorn per module and engine (see hall.testing)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hall.testing import ENGINES, HallServer, PgCluster, pg_cluster, running_server

__all__ = ["HallServer", "running_server"]


@pytest.fixture(scope="session")
def postgres() -> Iterator[PgCluster]:
    with pg_cluster() as cluster:
        yield cluster


@pytest.fixture(scope="module", params=ENGINES)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HallServer]:
    """One server per test module and engine; PostgreSQL ones run two workers."""
    engine = request.param
    pg = request.getfixturevalue("postgres") if engine == "postgresql" else None
    folder = tmp_path_factory.mktemp(f"hall-{engine}")
    workers = 2 if engine == "postgresql" else 1
    with running_server(engine, folder, pg, workers=workers) as running:
        yield running


_halls = iter(range(1, 1_000_000))


@pytest.fixture
def hall_name() -> str:
    """A hall name unique within the test session."""
    return f"Hall {next(_halls)}"
