"""Issue 18: the number at once, a way forward at every step, help, idle, listen mode,
service hours; driven through real widgets offscreen with a real SQLite file."""

from __future__ import annotations

import threading
from datetime import datetime

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from sqlalchemy import select

from kiosk.services.tickets import PRIORITY_FOOTER, ticket_content
from kiosk.store.models import OutboxEvent, Ticket
from kiosk.testing import SHANGHAI, STAFF_PIN
from kiosk.ui import theme
from printer.errors import PrintFailed
from tests.ui.test_flows import HOUSING, MEDICAL, click, enter_pin, identified, issued, young


class GatedPrinter:
    """Holds each print until the test opens the gate: a printer as slow as we like."""

    def __init__(self, printer, fail: Exception | None = None) -> None:
        self.gate = threading.Event()
        self.started = threading.Event()
        self._print = printer.print_ticket
        self._fail = fail
        printer.print_ticket = self.print_ticket

    def print_ticket(self, content) -> None:
        self.started.set()
        assert self.gate.wait(10), "test never opened the gate"
        if self._fail is not None:
            raise self._fail
        self._print(content)


def events(rig, kind):
    with rig.db.read() as s:
        return list(s.scalars(select(OutboxEvent).where(OutboxEvent.kind == kind)))


def test_the_number_is_on_screen_before_the_paper(qtbot, rig):
    gated = GatedPrinter(rig.printer)
    w = rig.window
    click(qtbot, w.home.tiles[MEDICAL])
    with qtbot.waitSignal(rig.kiosk.tickets.ticket_allocated, timeout=10_000):
        click(qtbot, w.card_screen.normal)
    assert gated.started.wait(5) and not gated.gate.is_set()  # the printer is still busy
    assert w.current() is w.ticket_screen and w.ticket_screen.number.text() == "A001"
    assert "正在打印" in w.ticket_screen.take.text()
    assert "A 零 零 一" in rig.speaker.said[-1][0] and "正在打印" in rig.speaker.said[-1][0]
    with qtbot.waitSignal(rig.kiosk.tickets.ticket_issued, timeout=10_000):
        gated.gate.set()
    assert w.ticket_screen.take.text() == "请取走号票"
    assert rig.speaker.said[-1][0].startswith("请取走号票")
    with rig.db.read() as s:
        assert s.scalars(select(Ticket.print_state)).one() == "printed"


def test_a_print_failing_after_the_number_was_shown_says_so(qtbot, rig):
    gated = GatedPrinter(rig.printer, fail=PrintFailed("unplugged after 2048 bytes"))
    w = rig.window
    click(qtbot, w.home.tiles[MEDICAL])
    with qtbot.waitSignal(rig.kiosk.tickets.ticket_allocated, timeout=10_000):
        click(qtbot, w.card_screen.normal)
    assert w.ticket_screen.number.text() == "A001"
    with qtbot.waitSignal(rig.kiosk.tickets.ticket_issued, timeout=10_000):
        gated.gate.set()
    assert "号票没有打出来" in w.ticket_screen.take.text()
    assert "号票没有打出来，请找工作人员" in rig.speaker.said[-1][0]
    (event,) = events(rig, "kiosk.print_failed")
    assert event.urgent and "A001" in event.payload
    w.open_staff_login()
    with qtbot.waitSignal(rig.kiosk.services.staff.summary_loaded, timeout=10_000):
        enter_pin(qtbot, rig, STAFF_PIN)
    assert "未打印" in w.staff_panel.recent.item(0).text()
    assert "未打印 / Not printed: 1" in w.staff_panel.counts_text()


def test_daily_limit_is_said_at_the_card_before_the_service(qtbot, rig_factory):
    rig = rig_factory(max_per_day=1)
    card = young()
    rig.put_on_roster(card)
    w = rig.window
    click(qtbot, w.home.tiles[MEDICAL])
    assert issued(qtbot, rig, lambda: rig.reader.lay(card)).ticket.number == "L001"
    w.go_home()
    ident = identified(qtbot, rig, lambda: rig.reader.lay(card))  # card first
    assert not ident.eligible and ident.decision.reason == "daily_limit"
    message = w.result_screen.message.text()
    assert "次数已用完" in message and "需要帮助" in message
    assert w.result_screen.message.font().pixelSize() >= 40
    assert "次数已用完" in rig.speaker.said[-1][0] and "需要帮助" in rig.speaker.said[-1][0]
    outcome = issued(qtbot, rig, lambda: click(qtbot, w.result_screen.grid.tiles[HOUSING]))
    assert outcome.ticket.number == "G001"
    assert "次数已用完" in w.ticket_screen.note.text()
    assert w.ticket_screen.note.font().pixelSize() >= 40


def test_refused_visitor_hears_the_next_step(qtbot, rig):
    w = rig.window
    identified(qtbot, rig, lambda: rig.reader.lay(young()))  # not on the roster, 36
    assert "不在绿色通道名单" in w.result_screen.message.text()
    assert "需要帮助" in w.result_screen.message.text()
    assert "需要帮助" in rig.speaker.said[-1][0]


def test_green_panel_is_tappable_and_no_id_card_leads_somewhere(qtbot, rig):
    w = rig.window
    click(qtbot, w.home.green)  # the panel itself, not only its button
    assert w.current() is w.card_screen
    click(qtbot, w.card_screen.no_card)
    assert w.card_screen.notice.isVisibleTo(w)
    assert "服务台" in w.card_screen.notice_text.text()
    assert "服务台" in rig.speaker.said[-1][0]
    assert w.card_screen.normal.isVisibleTo(w)
    click(qtbot, w.card_screen.normal)  # a normal ticket: first the service
    assert w.current() is w.home
    click(qtbot, w.home.tiles[MEDICAL])
    click(qtbot, w.card_screen.no_card)
    assert issued(qtbot, rig, lambda: click(qtbot, w.card_screen.normal)).ticket.number == "A001"


def test_offer_buttons_differ_in_colour_and_shape(qtbot, rig):
    w = rig.window
    click(qtbot, w.home.tiles[MEDICAL])
    normal, back = w.card_screen.normal, w.card_screen.back
    normal_img, back_img = normal.grab().toImage(), back.grab().toImage()
    centre = normal_img.pixelColor(QPoint(normal.width() // 2, normal.height() // 2))
    assert centre != back_img.pixelColor(QPoint(back.width() // 2, back.height() // 2))
    # the normal ticket is a white pill with a blue rim: the rim at the top edge, but
    # not in the rounded-off corner
    rim = normal_img.pixelColor(QPoint(normal.width() // 2, 2))
    assert rim == QColor(theme.ACCENT) and centre == QColor(theme.PAPER)
    assert normal_img.pixelColor(QPoint(4, 4)) != rim


def test_help_on_every_visitor_screen_raises_an_urgent_event_staff_see(qtbot, rig):
    w = rig.window
    for screen in w.visitor_screens:
        w._show(screen)
        assert w.help_bar.help.isVisibleTo(w)
    w.go_home()
    click(qtbot, w.home.tiles[MEDICAL])
    with qtbot.waitSignal(rig.kiosk.services.staff.help_raised, timeout=10_000):
        click(qtbot, w.help_bar.help)
    assert "已通知工作人员" in w.card_screen.notice_text.text()
    assert "已通知工作人员" in rig.speaker.said[-1][0]
    (event,) = events(rig, "kiosk.help_requested")
    assert event.urgent and "CardScreen" in event.payload
    w.open_staff_login()
    assert not w.help_bar.isVisibleTo(w)  # staff screens have no visitor help bar
    with qtbot.waitSignal(rig.kiosk.services.staff.summary_loaded, timeout=10_000):
        enter_pin(qtbot, rig, STAFF_PIN)
    assert w.staff_panel.help_box.isVisibleTo(w) and w.staff_panel.help_list.count() == 1
    with qtbot.waitSignal(rig.kiosk.services.staff.summary_loaded, timeout=10_000):
        click(qtbot, w.staff_panel.help_done)
    assert w.staff_panel.help_list.count() == 0 and not w.staff_panel.help_box.isVisibleTo(w)


def test_idle_warning_then_continue_then_reset(qtbot, rig):
    w = rig.window
    click(qtbot, w.home.tiles[MEDICAL])
    w.set_idle_timeout_ms(1200, warning_ms=600)
    qtbot.mouseClick(w.windowHandle(), Qt.MouseButton.LeftButton, pos=QPoint(900, 500))
    qtbot.waitUntil(lambda: w.idle_warning.isVisible(), timeout=5000)
    assert w.current() is w.card_screen
    assert w.idle_warning.question.text() == "还需要办理吗？"
    assert w.idle_warning.button.font().pixelSize() >= 40
    assert "还需要办理吗" in rig.speaker.said[-1][0]
    click(qtbot, w.idle_warning.button)
    qtbot.waitUntil(lambda: not w.idle_warning.isVisible(), timeout=2000)
    assert w.current() is w.card_screen  # the tap kept the visitor's place
    qtbot.waitUntil(lambda: w.idle_warning.isVisible(), timeout=5000)
    qtbot.waitUntil(lambda: w.current() is w.home, timeout=5000)  # no tap: reset
    assert not w.idle_warning.isVisible()


def test_listen_mode_takes_a_ticket(qtbot, rig):
    w = rig.window
    click(qtbot, w.help_bar.listen)
    assert w.listen_mode and "朗读模式" in rig.speaker.said[-1][0]
    click(qtbot, w.home.tiles[MEDICAL])  # first tap: read out
    assert w.current() is w.home
    assert rig.speaker.said[-1][0] == "医疗保险"
    click(qtbot, w.home.tiles[MEDICAL])  # second tap: chosen
    assert w.current() is w.card_screen
    qtbot.waitUntil(lambda: "按钮：直接取号" in rig.speaker.said[-1][0], timeout=3000)
    screen_read = rig.speaker.said[-1][0]
    assert "您选择了：医疗保险" in screen_read and "按钮：返回" in screen_read
    outcome = issued(qtbot, rig, lambda: click(qtbot, w.card_screen.normal))
    assert outcome.ticket.number == "A001"
    qtbot.waitUntil(lambda: "A 零 零 一" in rig.speaker.said[-1][0], timeout=3000)
    assert "请取走号票" in rig.speaker.said[-1][0]  # the whole ticket screen, read out
    w.go_home()
    assert not w.listen_mode  # the next visitor starts with the screen


def test_closed_tiles_say_when_they_open(qtbot, rig):
    w = rig.window
    rig.clock.set(datetime(2026, 11, 30, 7, 15, tzinfo=SHANGHAI))  # Monday, before 08:30
    w.refresh_hours()
    tile = w.home.tiles[MEDICAL]
    assert tile.property("closed") and tile.sub.text() == "今天 8:30 开始取号"
    click(qtbot, tile)
    assert w.current() is w.home and "今天 8:30 开始取号" in w.home.notice_text.text()
    assert "今天 8:30 开始取号" in rig.speaker.said[-1][0]
    rig.clock.set(datetime(2026, 12, 3, 18, 0, tzinfo=SHANGHAI))  # Thursday evening
    w.refresh_hours()
    assert not w.home.tiles["business_licence"].property("closed")  # 延时服务
    assert w.home.tiles[MEDICAL].sub.text() == "明天 8:30 开始取号"
    rig.clock.set(datetime(2026, 12, 4, 17, 30, tzinfo=SHANGHAI))  # Friday after closing
    w.toggle_language()
    assert w.home.tiles[MEDICAL].sub.text() == "Tickets from Monday 8:30"
    # the service refuses too, whatever the screen showed: no number is used
    w.go_home()
    medical = rig.kiosk.catalogue.by_code(MEDICAL)
    from kiosk.domain.ticket import TicketRequest

    with qtbot.waitSignal(rig.kiosk.tickets.issue_declined, timeout=10_000):
        rig.kiosk.tickets.issue(TicketRequest(medical.code, medical.prefix))
    with rig.db.read() as s:
        assert s.scalars(select(Ticket)).all() == []


def test_priority_ticket_shows_and_prints_the_priority_place_and_footer(qtbot, rig):
    from tests.ui.test_flows import senior

    w = rig.window
    click(qtbot, w.home.tiles[MEDICAL])
    outcome = issued(qtbot, rig, lambda: rig.reader.lay(senior()))
    assert outcome.ticket.number == "L001"
    assert "为老服务窗口" in w.ticket_screen.location.text()
    printed = rig.printer.printed[-1]
    assert "为老服务窗口" in printed.location_zh and printed.footer == PRIORITY_FOOTER
    assert "过号请找工作人员" in printed.footer and "重新取号" not in printed.footer
    normal = ticket_content(
        outcome.ticket.__class__(**{**outcome.ticket.__dict__, "priority": False}),
        outcome.service,
        rig.kiosk.tickets._settings,
    )
    assert "为老服务窗口" not in normal.location_zh and normal.footer != PRIORITY_FOOTER


def test_unknown_printer_status_is_not_green(qtbot, rig):
    from kiosk.ui.screens.staff import STATUS_LEVELS
    from printer.status import PrinterStatus

    w = rig.window
    rig.printer.set_status(PrinterStatus.UNKNOWN)  # e.g. a network printer with no status
    with qtbot.waitSignal(rig.kiosk.tickets.printer_status_changed, timeout=10_000):
        rig.kiosk.tickets.refresh_printer_status()
    w.open_staff_login()
    enter_pin(qtbot, rig, STAFF_PIN)
    status = w.staff_panel.status_labels["printer"]
    colour, word = STATUS_LEVELS["unknown"]
    assert colour in status.styleSheet() and status.text().startswith(word)
    assert STATUS_LEVELS["ok"][0] not in status.styleSheet()
