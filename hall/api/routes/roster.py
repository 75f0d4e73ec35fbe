"""The hall's roster: metadata, full snapshot, delta since a version, and the key.

Bodies are ``application/gzip`` of :func:`sync.protocol.encode_roster_body`; the headers
``X-Roster-Version``, ``X-Roster-Count``, ``X-Roster-Checksum`` (SHA-256 of the
uncompressed body) and ``X-Roster-Key-Id`` describe them. The key travels only in the body
of ``GET /roster/key``, never in a URL, a header or a log line.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from hall.api.deps import AnyClient, Kiosk, State
from hall.usecases.roster import RosterBody, roster_delta, roster_key, roster_meta, roster_snapshot
from sync.protocol import ROSTER_KEY_ID_HEADER, RosterKey, RosterMeta

router = APIRouter(tags=["roster"])

_GZIP: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/gzip": {}}, "description": "gzip roster body"}
}


def _body(body: RosterBody) -> Response:
    headers = {
        "X-Roster-Version": str(body.meta.version),
        "X-Roster-Count": str(body.count),
        "X-Roster-Checksum": body.checksum,
        ROSTER_KEY_ID_HEADER: body.meta.key_id,
        "Cache-Control": "no-store",
    }
    if body.since is not None:
        headers["X-Roster-Since"] = str(body.since)
    return Response(body.gz, media_type="application/gzip", headers=headers)


@router.get("/roster", response_model=RosterMeta)
def get_roster_meta(app: State, client: AnyClient) -> RosterMeta:
    return roster_meta(app.db, client.hall_id)


@router.get("/roster/snapshot", response_class=Response, responses=_GZIP)
def get_roster_snapshot(app: State, client: Kiosk) -> Response:
    return _body(roster_snapshot(app.db, client.hall_id))


@router.get("/roster/delta", response_class=Response, responses=_GZIP)
def get_roster_delta(
    app: State, client: Kiosk, since: Annotated[int, Query(ge=0, le=2_000_000_000)]
) -> Response:
    """Changes from version ``since`` to the latest; 409 ``snapshot_required`` when a
    delta cannot be made (unknown version, or the key changed since)."""
    return _body(roster_delta(app.db, client.hall_id, since))


@router.get("/roster/key", response_model=RosterKey)
def get_roster_key(app: State, client: Kiosk, response: Response) -> RosterKey:
    """The roster hash key (base64). Keep it in the kiosk's secret store."""
    response.headers["Cache-Control"] = "no-store"
    return roster_key(app.db, app.keys, client.hall_id)
