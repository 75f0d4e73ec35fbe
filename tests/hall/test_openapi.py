"""The OpenAPI document: committed under docs/ and current; schemathesis against it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from hall.cli import openapi_document
from tests.hall.conftest import HallServer, running_server

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_committed_document_is_current() -> None:
    committed = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    assert committed == openapi_document(), (
        "docs/openapi.json is stale: run `hall openapi --output docs/openapi.json`"
    )


def test_every_operation_but_health_needs_the_bearer_token() -> None:
    document = openapi_document()
    assert document["components"]["securitySchemes"]["token"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["token"]["description"],
    }
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            expected = [] if path.endswith("/health") else [{"token": []}]
            assert operation.get("security", []) == expected, (method, path)


schema = schemathesis.openapi.from_path(DOCUMENT).exclude(path="/api/v1/stream")


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallServer]:
    with running_server("sqlite", tmp_path_factory.mktemp("fuzz"), None) as server:
        tokens = server.new_hall("Fuzz Hall")

        from hall.usecases import halls
        from tests.hall.wire import CATALOGUE

        halls.set_catalogue(server.db, "Fuzz Hall", CATALOGUE)
        server.tokens.update(tokens)
        yield server


_COUNTER_PATHS = ("/counter/", "/alerts", "/kiosks")


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_holds_to_its_document(case: schemathesis.Case, fuzz_server: HallServer) -> None:
    counter = any(part in case.path for part in _COUNTER_PATHS)
    token = fuzz_server.tokens["c1" if counter else "k1"]
    case.call_and_validate(base_url=fuzz_server.url, headers={"Authorization": f"Bearer {token}"})
