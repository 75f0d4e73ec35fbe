"""The visitor's and the staff's flows, driven through real widgets offscreen."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from PySide6.QtCore import QPoint, Qt
from sqlalchemy import select

from idreader.idnumber import mask_id_number
from idreader.testing import make_card
from kiosk.domain.ticket import visitor_reference
from kiosk.logsetup import setup_logging
from kiosk.store.models import OutboxEvent, StaffAudit, Ticket
from kiosk.testing import STAFF_PIN, TODAY
from kiosk.ui.screens.staff import STATUS_LEVELS
from printer.status import PrinterStatus

MEDICAL = "medical_insurance"
HOUSING = "housing_fund"


def young(seed=1):
    return make_card(birth_date=date(1990, 5, 17), seed=seed)


def senior(seed=2):
    return make_card(birth_date=date(1950, 3, 9), seed=seed)


def click(qtbot, widget):
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def tickets_in_db(rig):
    with rig.db.read() as s:
        return list(s.scalars(select(Ticket).order_by(Ticket.issued_at)))


def issued(qtbot, rig, action):
    with qtbot.waitSignal(rig.kiosk.tickets.ticket_issued, timeout=10_000) as blocker:
        action()
    return blocker.args[0]


def identified(qtbot, rig, action):
    with qtbot.waitSignal(rig.kiosk.services.green.identified, timeout=10_000) as blocker:
        action()
    return blocker.args[0]


def test_normal_ticket_after_declining_the_green_channel(qtbot, rig):
    w = rig.window
    click(qtbot, w.home.tiles[MEDICAL])
    assert w.current() is w.card_screen  # offered the green channel first
    outcome = issued(qtbot, rig, lambda: click(qtbot, w.card_screen.normal))
    assert outcome.ticket.number == "A001" and not outcome.ticket.priority
    assert w.current() is w.ticket_screen
    assert w.ticket_screen.number.text() == "A001"
    assert [c.number for c in rig.printer.printed] == ["A001"]
    (row,) = tickets_in_db(rig)
    assert (row.number, row.print_state, row.priority) == ("A001", "printed", False)
    said = " ".join(text for text, _ in rig.speaker.said)
    assert "A 零 零 一" in said


def test_card_first_then_service_gives_an_l_ticket(qtbot, rig):
    card = young()
    rig.put_on_roster(card)
    w = rig.window
    ident = identified(qtbot, rig, lambda: rig.reader.lay(card))
    assert ident.eligible and ident.decision.category == "subsistence"
    assert w.current() is w.result_screen
    assert "低保" in w.result_screen.message.text()
    assert card.name not in w.result_screen.message.text()  # masked on screen
    outcome = issued(qtbot, rig, lambda: click(qtbot, w.result_screen.grid.tiles[HOUSING]))
    assert outcome.ticket.number == "L001" and outcome.ticket.priority
    (row,) = tickets_in_db(rig)
    assert (row.category, row.reason) == ("subsistence", "roster")
    assert row.id_hash and card.id_number not in row.id_hash
    assert row.visitor_ref == ident.visitor_ref == visitor_reference(row.id_hash, TODAY)
    assert outcome.ticket.visitor_ref == row.visitor_ref


def test_service_first_then_card_issues_at_once_by_age_rule(qtbot, rig):
    w = rig.window
    click(qtbot, w.home.tiles[MEDICAL])
    outcome = issued(qtbot, rig, lambda: rig.reader.lay(senior()))
    assert outcome.ticket.number == "L001"
    (row,) = tickets_in_db(rig)
    assert (row.category, row.reason, row.service_code) == ("age", "age", MEDICAL)
    assert w.ticket_screen.priority.isVisibleTo(w)


def test_age_rule_switched_off_means_a_normal_ticket(qtbot, rig_factory):
    rig = rig_factory(age_rule=False)
    click(qtbot, rig.window.home.tiles[MEDICAL])
    outcome = issued(qtbot, rig, lambda: rig.reader.lay(senior()))
    assert outcome.ticket.number == "A001"


def test_not_eligible_gets_a_normal_ticket_and_a_plain_reason(qtbot, rig):
    w = rig.window
    click(qtbot, w.home.tiles[MEDICAL])
    outcome = issued(qtbot, rig, lambda: rig.reader.lay(young()))
    assert outcome.ticket.number == "A001"
    assert "不在绿色通道名单" in w.ticket_screen.note.text()


def test_expired_roster_entry_is_explained(qtbot, rig):
    card = young()
    rig.put_on_roster(card, valid_to=TODAY - timedelta(days=1))
    ident = identified(qtbot, rig, lambda: rig.reader.lay(card))
    assert not ident.eligible and ident.decision.reason == "roster_expired"
    assert "已过期" in rig.window.result_screen.message.text()
    outcome = issued(qtbot, rig, lambda: click(qtbot, rig.window.result_screen.grid.tiles[MEDICAL]))
    assert outcome.ticket.number == "A001"


def test_same_person_same_service_same_day_gets_a_reprint(qtbot, rig):
    card = young()
    rig.put_on_roster(card)
    w = rig.window
    for expected_reprint in (False, True):
        w.go_home()
        click(qtbot, w.home.tiles[MEDICAL])
        outcome = issued(qtbot, rig, lambda: rig.reader.lay(card))
        assert outcome.ticket.number == "L001"
        assert outcome.reprint is expected_reprint
    assert len(tickets_in_db(rig)) == 1
    assert rig.printer.printed[-1].reprint
    assert "补打" in w.ticket_screen.take.text()


def test_daily_priority_limit(qtbot, rig_factory):
    rig = rig_factory(max_per_day=2)
    card = young()
    rig.put_on_roster(card)
    numbers = []
    for code in (MEDICAL, HOUSING, "civil_affairs"):
        rig.window.go_home()
        click(qtbot, rig.window.home.tiles[code])
        numbers.append(issued(qtbot, rig, lambda: rig.reader.lay(card)).ticket.number)
    assert numbers == ["L001", "L002", "H001"]
    assert "次数已用完" in rig.window.ticket_screen.note.text()


def test_printer_out_of_paper_mid_day_uses_no_number(qtbot, rig):
    w = rig.window
    click(qtbot, w.home.tiles[MEDICAL])
    issued(qtbot, rig, lambda: click(qtbot, w.card_screen.normal))
    w.go_home()
    rig.printer.set_status(PrinterStatus.PAPER_OUT)
    click(qtbot, w.home.tiles[MEDICAL])
    with qtbot.waitSignal(rig.kiosk.tickets.issue_refused, timeout=10_000):
        click(qtbot, w.card_screen.normal)
    assert w.current() is w.out_of_service
    assert "缺纸" in w.out_of_service.reason.text()
    assert len(tickets_in_db(rig)) == 1
    # paper refilled: the periodic status check brings the kiosk back
    rig.printer.set_status(PrinterStatus.READY)
    with qtbot.waitSignal(rig.kiosk.tickets.printer_status_changed, timeout=10_000):
        rig.kiosk.tickets.refresh_printer_status()
    assert w.current() is w.home
    click(qtbot, w.home.tiles[MEDICAL])
    assert issued(qtbot, rig, lambda: click(qtbot, w.card_screen.normal)).ticket.number == "A002"


def test_print_failure_part_way_keeps_the_ticket_for_reprint(qtbot, rig):
    from printer.errors import PrintFailed

    rig.printer.fail_next(PrintFailed("connection lost after 812 bytes"))
    w = rig.window
    click(qtbot, w.home.tiles[MEDICAL])
    outcome = issued(qtbot, rig, lambda: click(qtbot, w.card_screen.normal))
    assert not outcome.printed
    assert "没有打出来" in w.ticket_screen.take.text()
    assert "号票没有打出来，请找工作人员" in rig.speaker.said[-1][0]
    assert "A 零 零 一" in rig.speaker.said[-1][0]
    (row,) = tickets_in_db(rig)
    assert row.print_state == "failed"
    with rig.db.read() as s:  # staff hear of it (urgent, for the hall server)
        event = s.scalars(select(OutboxEvent).where(OutboxEvent.kind == "kiosk.print_failed")).one()
    assert event.urgent and "A001" in event.payload


def test_reader_unplugged_sends_priority_visitors_to_staff(qtbot, rig):
    w = rig.window
    with qtbot.waitSignal(rig.kiosk.services.reader.state_changed, timeout=5000):
        rig.reader.unplug()
    assert w.current() is w.home and w.home.green_button.isHidden()
    assert "工作人员" in w.home.green_body.text()
    # a tile now issues a normal ticket straight away: no card offer without a reader
    outcome = issued(qtbot, rig, lambda: click(qtbot, w.home.tiles[MEDICAL]))
    assert outcome.ticket.number == "A001"
    w.go_home()
    with qtbot.waitSignal(rig.kiosk.services.reader.state_changed, timeout=5000):
        rig.reader.replug()
    assert not w.home.green_button.isHidden()
    assert w.home.green_button.isVisibleTo(w)


def test_idle_timeout_returns_home_and_forgets_the_visitor(qtbot, rig):
    w = rig.window
    card = young()
    rig.put_on_roster(card)
    identified(qtbot, rig, lambda: rig.reader.lay(card))
    assert w.current() is w.result_screen
    w.set_idle_timeout_ms(50)
    # a tap anywhere (here: on the window, as the touch screen delivers it) starts the
    # timer; on the message text, not on a service tile (a tile would issue a ticket)
    message = w.result_screen.message
    spot = message.mapTo(w, message.rect().center())
    qtbot.mouseClick(w.windowHandle(), Qt.MouseButton.LeftButton, pos=spot)
    qtbot.waitUntil(lambda: w.current() is w.home, timeout=5000)
    assert w._ident is None and w._service is None


def test_double_tap_issues_one_ticket(qtbot, rig):
    w = rig.window
    click(qtbot, w.home.tiles[MEDICAL])
    with qtbot.waitSignal(rig.kiosk.tickets.ticket_issued, timeout=10_000):
        click(qtbot, w.card_screen.normal)
        click(qtbot, w.card_screen.normal)
        w.choose_service(rig.kiosk.catalogue.by_code(HOUSING))
    qtbot.wait(300)  # let any second issue (there must be none) complete
    assert [t.number for t in tickets_in_db(rig)] == ["A001"]


def test_language_switch(qtbot, rig):
    w = rig.window
    assert w.home.title.text() == "请点击您要办理的业务"
    click(qtbot, w.home.language)
    assert w.home.title.text() == "Tap the service you need"
    assert w.home.tiles[MEDICAL].main.text() == "Medical Insurance"
    click(qtbot, w.home.tiles[MEDICAL])
    assert "You chose" in w.card_screen.chosen.text()
    issued(qtbot, rig, lambda: click(qtbot, w.card_screen.normal))
    assert w.ticket_screen.take.text() == "Please take your ticket below"
    assert rig.speaker.said[-1][1] == "en"
    w.go_home()  # the next visitor starts in Chinese again
    assert w.home.title.text() == "请点击您要办理的业务"


def enter_pin(qtbot, rig, pin):
    w = rig.window
    with qtbot.waitSignal(rig.kiosk.services.staff.pin_checked, timeout=10_000) as blocker:
        w.pin_screen.keypad.type_text(pin)
        click(qtbot, w.pin_screen.keypad.ok)
    return blocker.args[0]


def test_staff_gesture_and_pin_lockout(qtbot, rig):
    w = rig.window
    handle = w.windowHandle()
    qtbot.mouseClick(handle, Qt.MouseButton.LeftButton, pos=QPoint(20, 20))  # a short tap
    qtbot.wait(2300)
    assert w.current() is w.home  # ... does nothing
    qtbot.mousePress(handle, Qt.MouseButton.LeftButton, pos=QPoint(20, 20))  # held 2 s
    qtbot.waitUntil(lambda: w.current() is w.pin_screen, timeout=5000)
    qtbot.mouseRelease(handle, Qt.MouseButton.LeftButton, pos=QPoint(20, 20))
    for left in (4, 3, 2, 1):
        attempt = enter_pin(qtbot, rig, "111111")
        assert attempt.tries_left == left
        assert str(left) in w.pin_screen.message.text()
    attempt = enter_pin(qtbot, rig, "111111")
    assert attempt.locked_for_s == 300
    assert "5 分钟" in w.pin_screen.message.text()
    assert not w.pin_screen.keypad.isEnabled()
    # even the right PIN is refused while locked, by the service and not just the keypad
    staff = rig.kiosk.services.staff
    with qtbot.waitSignal(staff.pin_checked, timeout=10_000) as blocker:
        staff.check_pin(STAFF_PIN)
    assert not blocker.args[0].ok and blocker.args[0].locked_for_s > 0
    assert w.current() is w.pin_screen


def test_staff_panel_counts_reprint_void_and_manual_identification(qtbot, rig):
    w = rig.window
    click(qtbot, w.home.tiles[MEDICAL])
    first = issued(qtbot, rig, lambda: click(qtbot, w.card_screen.normal))
    w.open_staff_login()
    with qtbot.waitSignal(rig.kiosk.services.staff.summary_loaded, timeout=10_000):
        assert enter_pin(qtbot, rig, STAFF_PIN).ok
    assert w.current() is w.staff_panel
    assert "医疗保险: 1" in w.staff_panel.counts_text()
    assert w.staff_panel.recent.count() == 1
    w.staff_panel.recent.setCurrentRow(0)
    with qtbot.waitSignal(rig.kiosk.services.staff.summary_loaded, timeout=10_000):
        click(qtbot, w.staff_panel.reprint)
    assert rig.printer.printed[-1].reprint and rig.printer.printed[-1].number == "A001"
    assert w.current() is w.staff_panel  # a staff reprint stays on the panel
    w.staff_panel.recent.setCurrentRow(0)
    click(qtbot, w.staff_panel.void)  # asks first, and for a reason
    panel = w.staff_panel
    assert panel.void_confirm.isVisibleTo(w) and "A001" in panel.void_question.text()
    assert not panel.void_ok.isEnabled()
    click(qtbot, panel.void_cancel)
    assert not panel.void_confirm.isVisibleTo(w) and "已作废" not in panel.recent.item(0).text()
    click(qtbot, panel.void)
    click(qtbot, panel.void_reasons["left"])
    with qtbot.waitSignal(rig.kiosk.services.staff.summary_loaded, timeout=10_000):
        click(qtbot, panel.void_ok)
    assert "已作废" in w.staff_panel.recent.item(0).text()

    # manual identification: a visitor who forgot the card
    click(qtbot, w.staff_panel.manual)
    person = young(seed=9)
    click(qtbot, w.manual_screen.staff_field)
    w.manual_screen.id_pad.type_text("0427")
    click(qtbot, w.manual_screen.id_field)
    w.manual_screen.id_pad.type_text(person.id_number)
    click(qtbot, w.manual_screen.reason_buttons["forgot_card"])
    # first what the roster and the age rule say, then staff confirm
    with qtbot.waitSignal(rig.kiosk.services.green.manual_previewed, timeout=10_000):
        click(qtbot, w.manual_screen.go)
    shown = w.manual_screen.message.text()
    assert "不在名单上" in shown and "年龄：36 岁" in shown  # born 1990-05-17
    assert person.id_number not in shown and person.id_number[-4:] in shown
    ident = identified(qtbot, rig, lambda: click(qtbot, w.manual_screen.go))
    assert ident.eligible and ident.decision.reason == "staff"
    assert w.current() is w.result_screen
    outcome = issued(qtbot, rig, lambda: click(qtbot, w.result_screen.grid.tiles[HOUSING]))
    assert outcome.ticket.number == "L001"
    with rig.db.read() as s:
        audits = list(s.scalars(select(StaffAudit).order_by(StaffAudit.id)))
    manual = [a for a in audits if a.action == "manual_priority"]
    assert len(manual) == 1
    assert (manual[0].staff, manual[0].reason) == ("0427", "forgot_card")
    assert manual[0].ticket_id == outcome.ticket.id
    assert manual[0].visitor_ref == ident.visitor_ref and len(ident.visitor_ref) == 4
    (void,) = [a for a in audits if a.action == "void"]
    assert (void.ticket_id, void.reason) == (first.ticket.id, "left")
    with qtbot.waitSignal(rig.kiosk.services.staff.summary_loaded, timeout=10_000):
        rig.kiosk.services.staff.load_summary()
    listed = [w.staff_panel.recent.item(i).text() for i in range(w.staff_panel.recent.count())]
    assert any(t.startswith("L001") and f"访客 {ident.visitor_ref}" in t for t in listed)


def test_no_plain_id_number_in_database_wal_or_logs(qtbot, rig, tmp_path):
    root = logging.getLogger()
    saved = list(root.handlers), root.level
    log_file = setup_logging(tmp_path / "logs", console=False, level=logging.DEBUG)
    try:
        card = young(seed=5)
        rig.put_on_roster(card)
        w = rig.window
        click(qtbot, w.home.tiles[MEDICAL])
        issued(qtbot, rig, lambda: rig.reader.lay(card))
        w.open_staff_login()
        enter_pin(qtbot, rig, STAFF_PIN)
        click(qtbot, w.staff_panel.manual)
        click(qtbot, w.manual_screen.staff_field)
        w.manual_screen.id_pad.type_text("7")
        click(qtbot, w.manual_screen.id_field)
        w.manual_screen.id_pad.type_text(card.id_number)
        click(qtbot, w.manual_screen.reason_buttons["card_unreadable"])
        with qtbot.waitSignal(rig.kiosk.services.green.manual_previewed, timeout=10_000):
            click(qtbot, w.manual_screen.go)
        assert "低保" in w.manual_screen.message.text()  # on the roster: said so
        identified(qtbot, rig, lambda: click(qtbot, w.manual_screen.go))
    finally:
        for handler in root.handlers:
            handler.flush()
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    files = [rig.db.path, rig.db.path.with_name(rig.db.path.name + "-wal"), log_file]
    assert files[1].exists() and log_file.stat().st_size > 0
    masked = mask_id_number(card.id_number)  # shown on screen, stored nowhere
    assert masked.startswith(card.id_number[:4])
    needles = [
        text.encode(e)
        for text in (card.id_number, masked, card.id_number[:4] + "*")
        for e in ("ascii", "utf-16-le", "utf-16-be")
    ]
    needles.append(card.name.encode("utf-8"))
    for path in files:
        data = path.read_bytes()
        for needle in needles:
            assert needle not in data, f"identity {needle!r} found in {path.name}"


def test_tap_prints_to_the_preview_folder(qtbot, rig_factory, tmp_path):
    from PIL import Image

    rig = rig_factory(fake_printer=False)  # the configured printer: preview
    w = rig.window
    click(qtbot, w.home.tiles[HOUSING])
    outcome = issued(qtbot, rig, lambda: click(qtbot, w.card_screen.normal))
    assert outcome.printed and outcome.ticket.number == "G001"
    (row,) = tickets_in_db(rig)
    assert (row.number, row.print_state) == ("G001", "printed")
    preview = rig.kiosk.loaded.preview_dir
    (png,) = preview.glob("G001-*.png")
    assert png.with_suffix(".bin").read_bytes().startswith(b"\x1b@")
    with Image.open(png) as image:
        assert image.width == 576  # 80 mm paper at 203 dpi


def test_paper_near_end_prints_and_tells_staff(qtbot, rig):
    rig.printer.set_status(PrinterStatus.PAPER_NEAR_END)
    w = rig.window
    click(qtbot, w.home.tiles[MEDICAL])
    outcome = issued(qtbot, rig, lambda: click(qtbot, w.card_screen.normal))
    assert outcome.printed  # near end still prints
    assert rig.kiosk.tickets.printer_status is PrinterStatus.PAPER_NEAR_END
    with rig.db.read() as s:
        events = list(s.scalars(select(OutboxEvent).where(OutboxEvent.kind.not_like("ticket.%"))))
    assert [(e.kind, e.urgent) for e in events] == [("kiosk.printer_status", True)]
    assert "paper_near_end" in events[0].payload
    w.open_staff_login()
    enter_pin(qtbot, rig, STAFF_PIN)
    status = w.staff_panel.status_labels["printer"]
    assert "即将用完" in status.text() and "paper_near_end" in status.text()
    colour, word = STATUS_LEVELS["warn"]
    assert colour in status.styleSheet() and status.text().startswith(word)


def test_ticket_cut_off_by_a_crash_is_offered_for_reprint(qtbot, tmp_path):
    from kiosk.domain.ticket import TicketRequest
    from kiosk.store import tickets as ticket_store
    from kiosk.testing import build_rig

    rig = build_rig(tmp_path / "k")  # not started yet: as after a power cut
    try:
        stuck = ticket_store.issue_ticket(
            rig.db, rig.clock, TicketRequest(MEDICAL, "A"), kiosk_id="K01"
        )
        assert stuck.print_state == "pending"
        rig.kiosk.start()
        qtbot.waitUntil(
            lambda: ticket_store.get_ticket(rig.db, stuck.id).print_state == "failed",
            timeout=5000,
        )
    finally:
        rig.kiosk.shutdown()


def test_manual_identification_with_a_mistyped_number_says_so(qtbot, rig):
    w = rig.window
    w.open_staff_login()
    enter_pin(qtbot, rig, STAFF_PIN)
    click(qtbot, w.staff_panel.manual)
    click(qtbot, w.manual_screen.staff_field)
    w.manual_screen.id_pad.type_text("0427")
    click(qtbot, w.manual_screen.id_field)
    w.manual_screen.id_pad.type_text("110105194912310021")  # wrong check character
    click(qtbot, w.manual_screen.reason_buttons["forgot_card"])
    with qtbot.waitSignal(rig.kiosk.services.green.identification_failed, timeout=10_000):
        click(qtbot, w.manual_screen.go)
    assert "有误" in w.manual_screen.message.text()
    assert w.current() is w.manual_screen
    assert tickets_in_db(rig) == []


def test_a_scanned_bare_number_is_no_proof_and_the_visitor_hears_why(qtbot, rig):
    from idreader.card import ScannedCode

    w = rig.window
    click(qtbot, w.home.tiles[MEDICAL])
    number = senior().id_number
    with qtbot.waitSignal(rig.kiosk.services.green.identification_failed, timeout=10_000):
        rig.reader.lay(ScannedCode(text=number, id_number=number))
    assert w.current() is w.card_screen
    assert "不能证明身份" in w.card_screen.hint.text()
    assert "这个码不能证明身份" in rig.speaker.said[-1][0]
    assert tickets_in_db(rig) == []
