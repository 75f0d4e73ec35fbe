"""Render every kiosk screen, both orientations, both languages, to docs/screens/*.png.

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/render_screens.py [--out DIR]

Drives a whole kiosk (real widgets, real SQLite in a temp folder, fake printer, reader
and speaker) to each screen and grabs the window, so the pictures show exactly what a
visitor sees.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

from idreader.testing import make_card
from kiosk.domain.eligibility import AgeRule, Decision, decide
from kiosk.domain.ticket import TicketRequest
from kiosk.services.green_channel import Identification
from kiosk.services.staff import StaffSummary
from kiosk.services.tickets import IssueOutcome
from kiosk.store import tickets as ticket_store
from kiosk.testing import SHANGHAI, KioskRig, build_rig
from kiosk.ui.strings import tr
from printer.status import PrinterStatus

SIZES = {"landscape": (1920, 1080), "portrait": (1080, 1920)}
OPEN = datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)  # a Monday morning: every service open


def settle(ms: int = 60) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()
    QCoreApplication.processEvents()


def sample_outcome(rig: KioskRig, priority: bool) -> IssueOutcome:
    service = rig.kiosk.catalogue.by_code("medical_insurance")
    request = TicketRequest(
        service.code, service.prefix, priority=priority, category="age" if priority else None
    )
    ticket = ticket_store.issue_ticket(rig.db, rig.clock, request, kiosk_id="K01")
    return IssueOutcome(ticket, service, True)


def screens(rig: KioskRig) -> tuple[dict[str, Callable[[str], None]], Callable[[], None]]:
    w = rig.window
    catalogue = rig.kiosk.catalogue
    medical = catalogue.by_code("medical_insurance")
    today = date(2026, 11, 30)
    senior = make_card(birth_date=date(1951, 4, 2), seed=3)
    eligible = Identification(
        decide([], senior.birth_date, today, AgeRule()), "h", "1101**********1234", "王*"
    )
    not_eligible = Identification(Decision(False, "not_on_roster", None, 35), "h", "", "")
    normal = sample_outcome(rig, False)
    priority = sample_outcome(rig, True)

    def home(lang: str) -> None:
        w.show_screen_for_docs(w.home, lang)

    def offer(lang: str) -> None:
        w.card_screen.show_for(medical, lang)
        w.show_screen_for_docs(w.card_screen, lang)

    def lay_card(lang: str) -> None:
        w.card_screen.show_for(None, lang)
        w.show_screen_for_docs(w.card_screen, lang)

    def reading(lang: str) -> None:
        w.card_screen.show_for(None, lang)
        w.card_screen.set_reading(True)
        w.show_screen_for_docs(w.card_screen, lang)

    def result_eligible(lang: str) -> None:
        w.result_screen.show_identification(eligible, lang)
        w.show_screen_for_docs(w.result_screen, lang)

    def result_not_eligible(lang: str) -> None:
        w.result_screen.show_identification(not_eligible, lang)
        w.show_screen_for_docs(w.result_screen, lang)

    def ticket_normal(lang: str) -> None:
        w.ticket_screen.show_outcome(normal, lang)
        w.show_screen_for_docs(w.ticket_screen, lang)

    def ticket_priority(lang: str) -> None:
        w.ticket_screen.show_outcome(priority, lang)
        w.show_screen_for_docs(w.ticket_screen, lang)

    def out_of_service(lang: str) -> None:
        w.out_of_service.set_reason("paper_out", lang)
        w.show_screen_for_docs(w.out_of_service, lang)

    def reader_unplugged(lang: str) -> None:
        w.home.set_reader_available(False)
        w.show_screen_for_docs(w.home, lang)
        w.home.set_reader_available(True)

    def pin(lang: str) -> None:
        w.pin_screen.reset(lang)
        w.show_screen_for_docs(w.pin_screen, lang)

    def staff(lang: str) -> None:
        rig.kiosk.tickets._status_read(PrinterStatus.PAPER_NEAR_END)
        by_service = ticket_store.counts_by_service(rig.db, today)
        w.staff_panel.show_summary(
            StaffSummary(
                by_service=by_service,
                by_category=ticket_store.counts_by_category(rig.db, today),
                recent=tuple(ticket_store.recent_tickets(rig.db, today)),
                total=sum(by_service.values()),
                zone=rig.clock.now().tzinfo,
            )
        )
        w._refresh_staff_status()
        w.show_screen_for_docs(w.staff_panel, lang)

    def manual(lang: str) -> None:
        w.manual_screen.reset()
        w.show_screen_for_docs(w.manual_screen, lang)

    def ticket_printing(lang: str) -> None:
        w.ticket_screen.show_outcome(replace(normal, printed=False, printing=True), lang)
        w.show_screen_for_docs(w.ticket_screen, lang)

    def ticket_not_printed(lang: str) -> None:
        w.ticket_screen.show_outcome(replace(normal, printed=False), lang)
        w.show_screen_for_docs(w.ticket_screen, lang)

    def ticket_daily_limit(lang: str) -> None:
        w.lang = lang
        note = w._ticket_note(replace(normal, downgraded="daily_limit"))
        w.ticket_screen.show_outcome(normal, lang, note)
        w.show_screen_for_docs(w.ticket_screen, lang)

    def no_card(lang: str) -> None:
        w.card_screen.show_for(None, lang)
        w.card_screen.show_no_card()
        w.show_screen_for_docs(w.card_screen, lang)

    def help_called(lang: str) -> None:
        w.show_screen_for_docs(w.home, lang)
        w.home.show_notice(tr("help.called", lang))

    def idle_warning(lang: str) -> None:
        w.card_screen.show_for(medical, lang)
        w.show_screen_for_docs(w.card_screen, lang)
        w.idle_warning.retranslate(lang)
        w.idle_warning.cover()

    def closed_hours(lang: str) -> None:
        rig.clock.set(datetime(2026, 11, 30, 7, 40, tzinfo=SHANGHAI))  # before opening
        w.show_screen_for_docs(w.home, lang)
        w._explain_closed(medical, rig.kiosk.tickets.availability(medical))

    def listen_mode(lang: str) -> None:
        w.show_screen_for_docs(w.home, lang)
        w.help_bar.listen.setChecked(True)

    def staff_help(lang: str) -> None:
        staff(lang)
        w.staff_panel.help_list.addItem("10:42  访客求助 / Visitor needs help (CardScreen)")
        w.staff_panel.help_box.show()
        w.staff_panel.recent.setCurrentRow(0)
        w.staff_panel._ask_void()

    def manual_preview(lang: str) -> None:
        from kiosk.domain.eligibility import Category, RosterMatch
        from kiosk.services.green_channel import ManualPreview

        w.manual_screen.reset()
        w.manual_screen.staff_entry.setText("0427")
        w.manual_screen.id_pad.entry.setText(senior.id_number)
        w.manual_screen._pick("forgot_card")
        match = RosterMatch(Category.SUBSISTENCE, None, date(2027, 6, 30))
        decision = decide([match], senior.birth_date, today, AgeRule())
        masked = senior.id_number[:4] + "*" * 10 + senior.id_number[-4:]
        w.manual_screen.show_preview(ManualPreview(masked, (match,), decision.age, decision))
        w.show_screen_for_docs(w.manual_screen, lang)

    def reset() -> None:
        rig.clock.set(OPEN)
        w.idle_warning.hide()
        w.home.show_notice("")
        if w.help_bar.listen.isChecked():
            w.help_bar.listen.setChecked(False)
        w.staff_panel._cancel_void()
        w.refresh_hours()

    return {
        "01-home": home,
        "02-offer-green-channel": offer,
        "03-lay-card": lay_card,
        "04-reading-card": reading,
        "05-result-eligible": result_eligible,
        "06-result-not-eligible": result_not_eligible,
        "07-ticket-normal": ticket_normal,
        "08-ticket-priority": ticket_priority,
        "09-out-of-service": out_of_service,
        "10-reader-unplugged": reader_unplugged,
        "11-staff-pin": pin,
        "12-staff-panel": staff,
        "13-staff-manual-id": manual,
        "14-ticket-printing": ticket_printing,
        "15-ticket-not-printed": ticket_not_printed,
        "16-ticket-daily-limit": ticket_daily_limit,
        "17-no-id-card": no_card,
        "18-help-called": help_called,
        "19-idle-warning": idle_warning,
        "20-closed-hours": closed_hours,
        "21-listen-mode": listen_mode,
        "22-staff-help-and-void": staff_help,
        "23-staff-manual-id-check": manual_preview,
    }, reset


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "screens")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        rig = build_rig(Path(folder))
        window = rig.window
        window.show()
        rig.kiosk.start()
        written = 0
        for orientation, (width, height) in SIZES.items():
            window.resize(width, height)
            settle()
            shows, reset = screens(rig)
            for name, show in shows.items():
                for lang in ("zh", "en"):
                    reset()
                    show(lang)
                    settle()
                    path = args.out / f"{name}-{orientation}-{lang}.png"
                    window.grab().save(str(path))
                    written += 1
        rig.kiosk.shutdown()
        QCoreApplication.instance().removeEventFilter(window)
        window.deleteLater()
        settle()
    print(f"wrote {written} screenshots to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
