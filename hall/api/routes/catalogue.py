"""The hall's service catalogue, with an ETag."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response

from hall.api.deps import AnyClient, State
from hall.usecases.halls import get_catalogue
from sync.protocol import Catalogue

router = APIRouter(tags=["catalogue"])


@router.get(
    "/catalogue",
    response_model=Catalogue,
    responses={304: {"description": "Not modified (the If-None-Match ETag is current)"}},
)
def read_catalogue(
    app: State,
    client: AnyClient,
    response: Response,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Catalogue | Response:
    catalogue, etag = get_catalogue(app.db, client.hall_id)
    if if_none_match is not None and etag in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=304, headers={"ETag": etag})
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "no-cache"
    return catalogue
