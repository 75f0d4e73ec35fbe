"""Number leases: blocks of ticket numbers per prefix per day for one kiosk."""

from __future__ import annotations

from fastapi import APIRouter

from hall.api.deps import Kiosk, State, now
from hall.usecases.leases import lease_numbers
from sync.protocol import LeaseRequest, LeaseResponse

router = APIRouter(tags=["leases"])


@router.post("/leases", response_model=LeaseResponse, status_code=201)
def post_lease(request: LeaseRequest, app: State, client: Kiosk) -> LeaseResponse:
    """Lease ``count`` numbers; they belong to this kiosk alone, online or offline."""
    return lease_numbers(app.db, client, request, now())
