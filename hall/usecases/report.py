"""The day report of a hall: tickets by service and hour, priority tickets by category,
waits (median, p90), print failures and reprints, per kiosk and for the whole hall."""

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
from hall.usecases.alerts import category_words
from hall.usecases.halls import find_hall


@dataclass
class KioskFigures:
    tickets: int = 0
    priority: int = 0
    print_failures: int = 0
    reprints: int = 0
    printer_incidents: int = 0


@dataclass
class DayReport:
    hall: str
    day: date
    tickets: int = 0
    voided: int = 0
    served: int = 0
    skipped: int = 0
    by_service_hour: Counter[tuple[str, int]] = field(default_factory=Counter)
    priority_by_category: Counter[str] = field(default_factory=Counter)
    wait_median_min: float | None = None
    wait_p90_min: float | None = None
    kiosks: dict[str, KioskFigures] = field(default_factory=dict)

    @property
    def print_failures(self) -> int:
        return sum(k.print_failures for k in self.kiosks.values())

    @property
    def reprints(self) -> int:
        return sum(k.reprints for k in self.kiosks.values())

    def to_text(self) -> str:
        lines = [f"Day report, {self.hall}, {self.day.isoformat()}", ""]
        lines.append(
            f"Tickets: {self.tickets} (served {self.served}, did not come {self.skipped}, "
            f"voided {self.voided})"
        )
        waits = (
            f"median {self.wait_median_min:.1f} min, p90 {self.wait_p90_min:.1f} min"
            if self.wait_median_min is not None and self.wait_p90_min is not None
            else "no ticket called"
        )
        lines.append(f"Wait until called: {waits}")
        lines.append(f"Print failures: {self.print_failures}, reprints: {self.reprints}")
        lines += ["", "Tickets by service and hour:"]
        for (service, hour), n in sorted(self.by_service_hour.items()):
            lines.append(f"  {service:<24} {hour:02d}:00  {n:>5}")
        lines += ["", "Priority tickets by category:"]
        for category, n in sorted(self.priority_by_category.items()):
            lines.append(f"  {category:<28} {n:>5}")
        if not self.priority_by_category:
            lines.append("  none")
        lines += ["", "Per kiosk (tickets, priority, print failures, reprints, printer alarms):"]
        for name, k in sorted(self.kiosks.items()):
            lines.append(
                f"  {name:<16} {k.tickets:>5} {k.priority:>5} {k.print_failures:>5}"
                f" {k.reprints:>5} {k.printer_incidents:>5}"
            )
        return "\n".join(lines) + "\n"

    def to_csv(self) -> str:
        """One table: section, key, subkey, value (spreadsheets read it as it is)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["section", "key", "subkey", "value"])
        hall = "hall"
        writer.writerow([hall, "tickets", "", self.tickets])
        writer.writerow([hall, "served", "", self.served])
        writer.writerow([hall, "skipped", "", self.skipped])
        writer.writerow([hall, "voided", "", self.voided])
        writer.writerow([hall, "wait_median_min", "", _fmt(self.wait_median_min)])
        writer.writerow([hall, "wait_p90_min", "", _fmt(self.wait_p90_min)])
        writer.writerow([hall, "print_failures", "", self.print_failures])
        writer.writerow([hall, "reprints", "", self.reprints])
        for (service, hour), n in sorted(self.by_service_hour.items()):
            writer.writerow(["service_hour", service, f"{hour:02d}", n])
        for category, n in sorted(self.priority_by_category.items()):
            writer.writerow(["priority_category", category, "", n])
        for name, k in sorted(self.kiosks.items()):
            for key in ("tickets", "priority", "print_failures", "reprints", "printer_incidents"):
                writer.writerow(["kiosk", name, key, getattr(k, key)])
        return out.getvalue()


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _p90(values: list[float]) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def day_report(db: Database, hall_name: str, day: date, zone: ZoneInfo) -> DayReport:
    with db.read() as session:
        hall = find_hall(session, hall_name)
        tickets = session.scalars(
            select(Ticket).where(Ticket.hall_id == hall.id, Ticket.day == day)
        ).all()
        incidents = session.execute(
            select(PrinterIncident.client_id, PrinterIncident.at).where(
                PrinterIncident.hall_id == hall.id
            )
        ).all()

        names = dict(
            session.execute(select(Client.id, Client.name).where(Client.hall_id == hall.id)).all()
        )
    report = DayReport(hall=hall_name, day=day)
    kiosks: dict[str, KioskFigures] = defaultdict(KioskFigures)
    waits: list[float] = []
    for t in tickets:
        figures = kiosks[t.kiosk]
        figures.print_failures += t.print_failures
        figures.reprints += t.reprints
        if t.state == TicketState.VOIDED:
            report.voided += 1
            continue
        report.tickets += 1
        figures.tickets += 1
        report.served += t.state == TicketState.SERVED
        report.skipped += t.state == TicketState.SKIPPED
        report.by_service_hour[(t.service_code, t.issued_at.astimezone(zone).hour)] += 1
        if t.priority:
            figures.priority += 1
            report.priority_by_category[category_words(t.category)] += 1
        if t.first_called_at is not None:
            waits.append((t.first_called_at - t.issued_at).total_seconds() / 60.0)
    for client_id, at in incidents:
        if at.astimezone(zone).date() == day:
            kiosks[names.get(client_id, str(client_id))].printer_incidents += 1
    if waits:
        report.wait_median_min = statistics.median(waits)
        report.wait_p90_min = _p90(waits)
    report.kiosks = dict(kiosks)
    return report
