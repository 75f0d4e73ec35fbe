"""The report behind the charts page: one day or a range of days of one hall, by hour,
service, category, kiosk and rating. Reads only the columns it counts."""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select

from hall.store.db import Database
from hall.store.models import Client, PrinterIncident, Ticket, TicketState
from hall.store.page_models import Rating
from hall.usecases.alerts import category_words

MAX_DAYS = 366


@dataclass(frozen=True)
class Waits:
    called: int
    median_min: float | None
    p90_min: float | None


@dataclass
class RangeReport:
    start: date
    end: date
    tickets: int = 0
    priority: int = 0
    served: int = 0
    skipped: int = 0
    voided: int = 0
    by_hour: dict[str, Counter[int]] = field(default_factory=dict)
    by_service: Counter[str] = field(default_factory=Counter)
    by_category: Counter[str] = field(default_factory=Counter)
    waits: dict[str, Waits] = field(default_factory=dict)
    print_failures: Counter[str] = field(default_factory=Counter)
    printer_alarms: Counter[str] = field(default_factory=Counter)
    reprints: Counter[str] = field(default_factory=Counter)
    ratings: Counter[int] = field(default_factory=Counter)
    comments: list[tuple[int, str]] = field(default_factory=list)

    def to_csv(self) -> str:
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["section", "key", "subkey", "value"])
        w.writerow(["range", "from", "", self.start.isoformat()])
        w.writerow(["range", "to", "", self.end.isoformat()])
        for key in ("tickets", "priority", "served", "skipped", "voided"):
            w.writerow(["hall", key, "", getattr(self, key)])
        for service, hours in sorted(self.by_hour.items()):
            for hour, n in sorted(hours.items()):
                w.writerow(["service_hour", service, f"{hour:02d}", n])
        for category, n in sorted(self.by_category.items()):
            w.writerow(["priority_category", category, "", n])
        for service, waits in sorted(self.waits.items()):
            w.writerow(["wait_median_min", service, "", _fmt(waits.median_min)])
            w.writerow(["wait_p90_min", service, "", _fmt(waits.p90_min)])
        for kiosk in sorted(set(self.print_failures) | set(self.printer_alarms)):
            w.writerow(["kiosk", kiosk, "print_failures", self.print_failures[kiosk]])
            w.writerow(["kiosk", kiosk, "printer_alarms", self.printer_alarms[kiosk]])
            w.writerow(["kiosk", kiosk, "reprints", self.reprints[kiosk]])
        for level in range(5, 0, -1):
            w.writerow(["rating", str(level), "", self.ratings[level]])
        return out.getvalue()


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _waits(values: list[float]) -> Waits:
    if not values:
        return Waits(0, None, None)
    p90 = (
        values[0]
        if len(values) == 1
        else statistics.quantiles(values, n=10, method="inclusive")[-1]
    )
    return Waits(len(values), statistics.median(values), p90)


def range_report(db: Database, hall_id: int, start: date, end: date, zone: ZoneInfo) -> RangeReport:
    if end < start:
        start, end = end, start
    if (end - start).days >= MAX_DAYS:
        raise ValueError(f"a report covers at most {MAX_DAYS} days")
    with db.read() as session:
        t = Ticket.__table__.c  # plain columns: rows, no ORM loading (5,000 in ~40 ms)
        rows = (
            session.connection()
            .execute(
                select(
                    t.service_code,
                    t.priority,
                    t.category,
                    t.kiosk,
                    t.state,
                    t.issued_at,
                    t.first_called_at,
                    t.print_failures,
                    t.reprints,
                ).where(t.hall_id == hall_id, t.day >= start, t.day <= end)
            )
            .all()
        )
        incidents = session.execute(
            select(Client.name, PrinterIncident.at)
            .join(Client, Client.id == PrinterIncident.client_id)
            .where(PrinterIncident.hall_id == hall_id)
        ).all()
        ratings = session.execute(
            select(Rating.level, Rating.comment)
            .join(Ticket, Ticket.id == Rating.ticket_id)
            .where(Ticket.hall_id == hall_id, Ticket.day >= start, Ticket.day <= end)
        ).all()
    report = RangeReport(start, end)
    waits: dict[str, list[float]] = defaultdict(list)
    hours: dict[str, Counter[int]] = defaultdict(Counter)
    for code, priority, category, kiosk, state, issued, first_called, failures, reprints in rows:
        report.print_failures[kiosk] += failures
        report.reprints[kiosk] += reprints
        if state == TicketState.VOIDED:
            report.voided += 1
            continue
        report.tickets += 1
        report.served += state == TicketState.SERVED
        report.skipped += state == TicketState.SKIPPED
        report.by_service[code] += 1
        hours[code][issued.astimezone(zone).hour] += 1
        if priority:
            report.priority += 1
            report.by_category[category_words(category)] += 1
        if first_called is not None:
            waits[code].append((first_called - issued).total_seconds() / 60.0)
    for kiosk, at in incidents:
        if start <= at.astimezone(zone).date() <= end:
            report.printer_alarms[kiosk] += 1
    report.by_hour = dict(hours)
    report.waits = {code: _waits(sorted(values)) for code, values in waits.items()}
    for level, comment in ratings:
        report.ratings[level] += 1
        if comment:
            report.comments.append((level, comment))
    return report
