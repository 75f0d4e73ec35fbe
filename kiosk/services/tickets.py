"""TicketService: printer check -> number allocation -> print -> bookkeeping, off the GUI thread.

Everything that touches the printer or the ticket database runs on the ``printer`` worker,
in order, so two taps can never race each other to the counter or to the paper.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from kiosk.domain.catalogue import Availability, Catalogue, Service
from kiosk.domain.clock import Clock, business_day
from kiosk.domain.ticket import IssuedTicket, TicketRequest
from kiosk.services.worker import ResourceWorker
from kiosk.store import outbox
from kiosk.store import tickets as ticket_store
from kiosk.store.db import Database, StoreError
from kiosk.store.print_journal import PrintJournal
from printer.base import TicketPrinter
from printer.errors import PrinterError
from printer.status import PrinterStatus
from printer.ticket import TicketContent

if TYPE_CHECKING:
    from kiosk.services.sync_engine import QueueHint

#: Where the people-ahead count and the estimate come from (the sync service).
QueueHintSource = Callable[[str, bool], "QueueHint | None"]

log = logging.getLogger(__name__)

PRIORITY_FOOTER = "请留意叫号，过号请找工作人员 / Missed your number? Please ask staff"

#: Longest pause between attempts to mark a printed ticket in a locked database.
MARK_PRINTED_MAX_DELAY_MS = 30_000


@dataclass(frozen=True)
class TicketSettings:
    kiosk_id: str
    hall_name: str
    number_width: int = 3
    qr_url_prefix: str = ""
    footer: str = ""
    open_local_blocks: bool = True
    max_priority_tickets_per_day: int = 3
    #: The footer of an L ticket: an elderly visitor who missed the call goes to staff,
    #: they do not queue again.
    priority_footer: str = PRIORITY_FOOTER


@dataclass(frozen=True)
class IssueOutcome:
    ticket: IssuedTicket
    service: Service
    printed: bool
    print_error: str | None = None
    reprint: bool = False
    printer_status: PrinterStatus = PrinterStatus.UNKNOWN
    #: Set when a priority request became a normal ticket, e.g. "daily_limit".
    downgraded: str | None = None
    #: About how long until this ticket is called (hall server's estimate); None: unknown.
    estimate_minutes: int | None = None
    #: True in ``ticket_allocated``: the number exists, the paper is on its way.
    printing: bool = False


class OutOfService(Exception):
    """No ticket can be issued now (printer out of paper, offline, ...); no number was used."""

    def __init__(self, status: PrinterStatus, detail: str = "") -> None:
        super().__init__(detail or status.value)
        self.status = status


class ServiceUnavailable(Exception):
    """This service issues no ticket now (outside its hours, or today's quota is used);
    no number was used. The printer is fine: the visitor may choose another service."""

    def __init__(self, service: Service, availability: Availability) -> None:
        super().__init__(f"{service.code}: {availability.reason}")
        self.service = service
        self.availability = availability


QUOTA_USED = "quota_used"


class OutOfNumbers(OutOfService):
    """This kiosk's leased numbers for the prefix are used up and the hall server cannot
    be reached for more: no ticket until it can (the kiosk never makes a number up)."""


def ticket_content(
    ticket: IssuedTicket,
    service: Service,
    settings: TicketSettings,
    *,
    reprint: bool = False,
    estimate_minutes: int | None = None,
) -> TicketContent:
    return TicketContent(
        number=ticket.number,
        service_name_zh=service.name_zh,
        service_name_en=service.name_en,
        location_zh=service.priority_place("zh") if ticket.priority else service.location_zh,
        location_en=service.priority_place("en") if ticket.priority else service.location_en,
        issued_at=ticket.issued_at,
        ticket_id=ticket.id,
        hall_name=settings.hall_name,
        kiosk_id=ticket.kiosk_id,
        priority=ticket.priority,
        waiting_ahead=ticket.waiting_ahead,
        estimate_minutes=estimate_minutes,
        qr_url_prefix=settings.qr_url_prefix,
        footer=settings.priority_footer if ticket.priority else settings.footer,
        reprint=reprint,
    )


def report_content(lines: list[str], settings: TicketSettings, now: datetime) -> TicketContent:
    """The end-of-day report on paper: the ticket layout, "EOD" for a number, the report's
    lines as the footer."""
    return TicketContent(
        number="EOD",
        service_name_zh="日结报告",
        service_name_en="Day report",
        location_zh="",
        location_en="",
        issued_at=now,
        ticket_id=f"report-{now:%Y%m%d-%H%M%S}",
        hall_name=settings.hall_name,
        kiosk_id=settings.kiosk_id,
        footer="\n".join(lines),
    )


class TicketService(QObject):
    #: The number is allocated and committed; the paper is still to come (IssueOutcome
    #: with ``printed=False`` and ``printing=True``). The screen shows the number at once.
    ticket_allocated = Signal(object)  # IssueOutcome
    #: The print finished (or failed): the final IssueOutcome.
    ticket_issued = Signal(object)  # IssueOutcome
    issue_refused = Signal(object)  # OutOfService
    issue_failed = Signal(str)  # unexpected error, already logged
    issue_declined = Signal(object)  # ServiceUnavailable
    printer_status_changed = Signal(object)  # PrinterStatus
    busy_changed = Signal(bool)
    _allocated = Signal(object)  # IssueOutcome, from the worker thread

    def __init__(
        self,
        db: Database,
        clock: Clock,
        catalogue: Catalogue,
        printer: TicketPrinter,
        settings: TicketSettings,
        parent: QObject | None = None,
        *,
        queue_hint: QueueHintSource | None = None,
    ) -> None:
        super().__init__(parent)
        self._queue_hint = queue_hint
        self._db = db
        self._clock = clock
        self._catalogue = catalogue
        self._printer = printer
        self._settings = settings
        self._worker = ResourceWorker("printer", self)
        self._journal = PrintJournal.beside(db.path)
        self._busy = False
        #: Services whose daily quota is used up, per day (GUI thread only).
        self._used_up: dict[date, set[str]] = {}
        self.printer_status = PrinterStatus.UNKNOWN
        self._recorded_status: PrinterStatus | None = None  # worker thread only
        # Emitted on the printer worker right after the number is committed; queued to the
        # GUI thread, where it becomes ticket_allocated before the printer has the bytes.
        self._allocated.connect(self._on_allocated)
        self._poll = QTimer(self)
        self._poll.setInterval(15_000)
        self._poll.timeout.connect(self.refresh_printer_status)

    @property
    def busy(self) -> bool:
        return self._busy

    def start(self) -> None:
        self._worker.submit(self._recover_job)
        self.refresh_printer_status()
        self._poll.start()

    def _recover_job(self) -> None:
        recovery = ticket_store.recover_interrupted_prints(self._db, self._journal)
        if recovery.printed:
            log.info(
                "%d ticket(s) were on paper before the kiosk stopped, now marked printed: %s",
                len(recovery.printed),
                ", ".join(recovery.printed),
            )
        if recovery.failed:
            log.warning(
                "%d ticket(s) were being printed when the kiosk stopped, marked for reprint: %s",
                len(recovery.failed),
                ", ".join(recovery.failed),
            )

    def shutdown(self) -> None:
        self._poll.stop()
        self._worker.shutdown(wait=True)
        self._printer.close()

    def today(self) -> date:
        return business_day(self._clock.now())

    def availability(self, service: Service) -> Availability:
        """Whether ``service`` issues tickets now, as far as the kiosk knows without a
        database read (hours, and a quota found used up today). Never blocks."""
        now = self._clock.now()
        if service.code in self._used_up.get(business_day(now), set()):
            return Availability(False, QUOTA_USED, service.availability(now).opens_at)
        return service.availability(now)

    # -- slots -------------------------------------------------------------------

    @Slot(object)
    def issue(self, request: TicketRequest) -> None:
        """Issue a ticket. Ignored while one is already being issued (double taps)."""
        if self._busy:
            log.info("issue ignored: a ticket is already being issued")
            return
        self._set_busy(True)
        self._worker.submit(lambda: self._issue_job(request), self._issued, self._failed)

    @Slot(str)
    def reprint(self, ticket_id: str) -> None:
        if self._busy:
            return
        self._set_busy(True)
        self._worker.submit(lambda: self._reprint_job(ticket_id), self._issued, self._failed)

    @Slot(list)
    def print_report(self, lines: list[str]) -> None:
        """Print the end-of-day report (staff panel) on the printer's worker."""
        if self._busy:
            return
        self._set_busy(True)

        def job() -> None:
            self._printer.print_ticket(report_content(lines, self._settings, self._clock.now()))

        def done(_result: object) -> None:
            self._set_busy(False)
            log.info("day report printed")

        def failed(error: BaseException) -> None:
            self._set_busy(False)
            log.error("day report not printed: %s", error)

        self._worker.submit(job, done, failed)

    @Slot()
    def refresh_printer_status(self) -> None:
        if not self._busy:
            self._worker.submit(self._status_job, self._status_read, self._status_failed)

    # -- worker-thread jobs --------------------------------------------------------

    def _status_job(self) -> PrinterStatus:
        status = self._printer.status()
        self._record_status(status)
        return status

    def _record_status(self, status: PrinterStatus) -> None:
        """A change of printer status goes into the outbox, so hall staff hear of paper
        running low (or out) even when nobody is at the kiosk."""
        if status == self._recorded_status:
            return
        previous, self._recorded_status = self._recorded_status, status
        if previous is None and not status.needs_attention():
            return  # start-up with a healthy printer: nothing to report
        outbox.add_event(
            self._db,
            self._clock,
            "kiosk.printer_status",
            {"kiosk_id": self._settings.kiosk_id, "status": status.value},
            urgent=status.needs_attention(),
        )

    def _check_printer(self) -> PrinterStatus:
        status = self._status_job()
        if not status.can_print():
            raise OutOfService(status)
        return status

    def _print(
        self,
        ticket: IssuedTicket,
        service: Service,
        reprint: bool,
        status: PrinterStatus,
        downgraded: str | None = None,
        estimate_minutes: int | None = None,
    ) -> IssueOutcome:
        content = ticket_content(
            ticket, service, self._settings, reprint=reprint, estimate_minutes=estimate_minutes
        )
        # The number is safe in the database: the visitor sees it now, whatever the printer.
        self._allocated.emit(
            IssueOutcome(
                ticket,
                service,
                False,
                None,
                reprint,
                status,
                downgraded,
                estimate_minutes=estimate_minutes,
                printing=True,
            )
        )
        try:
            self._printer.print_ticket(content)
        except PrinterError as e:
            log.error("ticket %s not printed: %s", ticket.number, e)
            ticket_store.mark_print_failed(self._db, ticket.id, str(e))
            # Staff hear of it even if nobody looks at the kiosk's panel.
            outbox.add_event(
                self._db,
                self._clock,
                "kiosk.print_failed",
                {"kiosk_id": self._settings.kiosk_id, "number": ticket.number, "error": str(e)},
                urgent=True,
            )
            failed = replace(ticket, print_state="failed")
            return IssueOutcome(
                failed, service, False, str(e), reprint, PrinterStatus.ERROR, downgraded,
                estimate_minutes=estimate_minutes,
            )  # fmt: skip
        # The paper is out: that is final. Note it where no lock can stop us; if the
        # database is busy, it catches up in the background after the visitor has seen
        # the number.
        printed_at = self._clock.now()
        self._journal.record(ticket.id, printed_at)
        try:
            ticket_store.mark_printed(self._db, self._clock, ticket.id, at=printed_at, wait=False)
            self._journal.settled(ticket.id)
        except StoreError as e:
            self._submit_mark_printed(ticket.id, printed_at, error=e)
        printed = replace(ticket, print_state="printed")
        return IssueOutcome(
            printed, service, True, None, reprint, status, downgraded, estimate_minutes
        )

    def _issue_job(self, request: TicketRequest) -> IssueOutcome:
        service = self._catalogue.by_code(request.service_code)
        now = self._clock.now()
        hours = service.availability(now)
        if not hours.open:
            raise ServiceUnavailable(service, hours)
        status = self._check_printer()
        downgraded = None
        if request.priority and request.id_hash:
            day = self.today()
            existing = ticket_store.open_priority_ticket(
                self._db, day, request.id_hash, request.service_code
            )
            if existing is not None:
                # Same person, same service, same day, ticket still open: the same number.
                log.info(
                    "visitor %s already holds %s: reprinting", existing.visitor_ref, existing.number
                )
                ticket = ticket_store.count_reprint(self._db, existing.id)
                return self._print(ticket, service, True, status)
            used = ticket_store.priority_tickets_today(self._db, day, request.id_hash)
            if used >= self._settings.max_priority_tickets_per_day and not request.staff:
                downgraded = "daily_limit"
                request = replace(request, priority=False, category=None, reason=downgraded)
        if service.daily_quota is not None:
            issued_today = ticket_store.counts_by_service(self._db, business_day(now))
            if issued_today.get(service.code, 0) >= service.daily_quota:
                log.info("%s: today's quota of %d is used", service.code, service.daily_quota)
                tomorrow = now.replace(hour=23, minute=59) + timedelta(minutes=1)
                opens = service.availability(tomorrow).opens_at or tomorrow
                raise ServiceUnavailable(service, Availability(False, QUOTA_USED, opens))
        # The hall's count before this ticket: the people ahead of it. None when the
        # server's counts are not fresh (unreachable): left off rather than guessed.
        hint = self._queue_hint(service.code, request.priority) if self._queue_hint else None
        ticket = ticket_store.issue_ticket(
            self._db,
            self._clock,
            request,
            kiosk_id=self._settings.kiosk_id,
            number_width=self._settings.number_width,
            open_local_blocks=self._settings.open_local_blocks,
        )
        log.info("issued %s for %s", ticket.number, service.code)
        minutes = None
        if hint is not None:
            ticket, minutes = replace(ticket, waiting_ahead=hint.ahead), hint.minutes
        return self._print(ticket, service, False, status, downgraded, minutes)

    def _reprint_job(self, ticket_id: str) -> IssueOutcome:
        status = self._check_printer()
        ticket = ticket_store.count_reprint(self._db, ticket_id)
        service = self._catalogue.by_code(ticket.service_code)
        log.info("reprinting %s", ticket.number)
        return self._print(ticket, service, True, status)

    def _submit_mark_printed(
        self, ticket_id: str, printed_at: datetime, attempt: int = 0, error: Exception | None = None
    ) -> None:
        """Mark a printed ticket in the database on this worker, retrying with back-off
        while it is locked (the journal already holds the fact)."""

        def job() -> None:
            ticket_store.mark_printed(self._db, self._clock, ticket_id, at=printed_at)
            self._journal.settled(ticket_id)

        def retry(error: BaseException) -> None:  # GUI thread
            delay_ms = min(MARK_PRINTED_MAX_DELAY_MS, 500 * 2**attempt)
            log.warning(
                "ticket on paper but not yet marked printed (%s); retrying in %.1f s",
                error,
                delay_ms / 1000,
            )
            again = attempt + 1
            QTimer.singleShot(
                delay_ms, self, lambda: self._submit_mark_printed(ticket_id, printed_at, again)
            )

        if error is not None:  # the first, no-wait attempt failed: try again on the worker
            log.info("database busy after printing (%s): marking it printed later", error)
        self._worker.submit(job, None, retry)

    # -- results, back on the GUI thread -------------------------------------------

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.busy_changed.emit(busy)

    def _on_allocated(self, outcome: IssueOutcome) -> None:
        self.ticket_allocated.emit(outcome)

    def _issued(self, outcome: IssueOutcome) -> None:
        self._set_busy(False)
        self._status_read(outcome.printer_status)
        self.ticket_issued.emit(outcome)

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, ServiceUnavailable):
            if error.availability.reason == QUOTA_USED:
                self._used_up.setdefault(self.today(), set()).add(error.service.code)
            self.issue_declined.emit(error)
        elif isinstance(error, ticket_store.NumbersExhausted):
            # Leased numbers used up while the hall server stayed away: no number is made
            # up (another kiosk may hold it); staff are told, the visitor is sent to them.
            log.error("ticket refused: %s", error)
            self.issue_refused.emit(OutOfNumbers(self.printer_status, str(error)))
        elif isinstance(error, OutOfService):
            log.warning("ticket refused: printer %s", error.status.value)
            self._status_read(error.status)
            self.issue_refused.emit(error)
        else:
            log.error("ticket issue failed", exc_info=error)
            self.issue_failed.emit(str(error))

    def _status_read(self, status: PrinterStatus) -> None:
        if status != self.printer_status:
            level = logging.WARNING if status.needs_attention() else logging.INFO
            log.log(level, "printer status: %s", status.value)
        self.printer_status = status
        self.printer_status_changed.emit(status)

    def _status_failed(self, error: BaseException) -> None:
        log.error("printer status query failed: %s", error)
        self._status_read(PrinterStatus.ERROR)
