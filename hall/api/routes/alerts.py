"""Helper alerts for priority tickets: list, acknowledge."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from hall.api.deps import Counter, State, now
from hall.usecases.alerts import ack_alert, list_alerts
from sync.protocol import Alert, AlertAck, AlertList

router = APIRouter(tags=["alerts"])


@router.get("/alerts", response_model=AlertList)
def get_alerts(
    app: State, client: Counter, open_only: Annotated[bool, Query()] = True
) -> AlertList:
    return AlertList(
        alerts=list_alerts(app.db, client.hall_id, app.settings, now(), open_only=open_only)
    )


@router.post("/alerts/{alert_id}/ack", response_model=Alert)
def post_ack(
    alert_id: Annotated[int, Path(ge=1, le=2**31 - 1)], body: AlertAck, app: State, client: Counter
) -> Alert:
    return ack_alert(app.db, client.hall_id, alert_id, body.helper, app.settings, now())
