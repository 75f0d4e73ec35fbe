"""Injectable time: the business day and every timestamp come from a Clock."""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in the hall's local zone."""
        ...


class SystemClock:
    def __init__(self, zone: str = "") -> None:
        self._zone: tzinfo | None = ZoneInfo(zone) if zone else None

    def now(self) -> datetime:
        if self._zone is None:
            return datetime.now().astimezone()
        return datetime.now(self._zone)


class ManualClock:
    """A clock that only moves when told to (tests, demos of the day change)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start time")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment

    def advance(self, **delta: float) -> None:
        self._now = self._now + timedelta(**delta)


def business_day(moment: datetime) -> date:
    """The local calendar day a ticket belongs to; counters restart when it changes."""
    return moment.date()
