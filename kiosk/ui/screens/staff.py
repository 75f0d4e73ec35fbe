"""Staff screens: PIN entry, the panel (status, figures, tickets), manual identification."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.domain.catalogue import Catalogue
from kiosk.ui import theme
from kiosk.ui.strings import category_name, tr
from kiosk.ui.widgets import big_button, label


class Keypad(QWidget):
    """Digits (and optionally X) for a touch screen with no keyboard."""

    submitted = Signal(str)

    def __init__(self, *, secret: bool, allow_x: bool = False, max_len: int = 18) -> None:
        super().__init__()
        self.entry = QLineEdit()
        self.entry.setReadOnly(True)
        self.entry.setFont(theme.font(theme.TITLE_PX, bold=True))
        self.entry.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.entry.setMaxLength(max_len)
        if secret:
            self.entry.setEchoMode(QLineEdit.EchoMode.Password)
        grid = QGridLayout(self)
        grid.setSpacing(theme.px(12))
        grid.addWidget(self.entry, 0, 0, 1, 3)
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "X" if allow_x else "", "0", "⌫"]
        self.buttons: dict[str, QPushButton] = {}
        for index, key in enumerate(keys):
            if not key:
                continue
            button = big_button(key, px=theme.TITLE_PX, min_height=96)
            button.setObjectName(f"key_{'back' if key == '⌫' else key}")
            button.clicked.connect(lambda _=False, k=key: self._press(k))
            self.buttons[key] = button
            grid.addWidget(button, 1 + index // 3, index % 3)
        self.ok = big_button("", px=theme.TITLE_PX - 8, min_height=96)
        self.ok.setObjectName("key_ok")
        self.ok.clicked.connect(lambda: self.submitted.emit(self.entry.text()))
        grid.addWidget(self.ok, 5, 0, 1, 3)
        self.target = self.entry  # the field the keys type into

    def _press(self, key: str) -> None:
        text = self.target.text()
        self.target.setText(text[:-1] if key == "⌫" else text + key)

    def type_text(self, text: str) -> None:
        for char in text:
            self._press(char)

    def clear(self) -> None:
        self.entry.clear()

    def retranslate(self, lang: str) -> None:
        self.ok.setText(tr("keypad.ok", lang))


class PinScreen(QWidget):
    pin_entered = Signal(str)
    cancelled = Signal()

    def __init__(self) -> None:
        super().__init__()
        outer = QHBoxLayout(self)
        outer.setContentsMargins(theme.px(40), theme.px(32), theme.px(40), theme.px(32))
        column = QWidget()
        column.setMaximumWidth(theme.px(760))
        root = QVBoxLayout(column)
        outer.addStretch(1)
        outer.addWidget(column, 4)
        outer.addStretch(1)
        self.title = label(px=theme.TITLE_PX, bold=True)
        self.message = label(px=theme.TEXT_PX)
        self.message.setObjectName("PinMessage")
        self.keypad = Keypad(secret=True, max_len=12)
        self.keypad.submitted.connect(self._submit)
        self.cancel = big_button("", min_height=90)
        self.cancel.setObjectName("PinCancel")
        self.cancel.clicked.connect(self.cancelled)
        for widget in (self.title, self.message, self.keypad, self.cancel):
            root.addWidget(widget)
        self._lang = "zh"

    def _submit(self, pin: str) -> None:
        self.keypad.clear()
        self.keypad.setEnabled(False)
        self.message.setText(tr("pin.checking", self._lang))
        self.pin_entered.emit(pin)

    def reset(self, lang: str, message: str = "") -> None:
        self._lang = lang
        self.keypad.clear()
        self.keypad.setEnabled(True)
        self.retranslate(lang)
        if message:
            self.message.setText(message)

    def show_message(self, message: str, *, locked: bool = False) -> None:
        self.keypad.setEnabled(not locked)
        self.message.setText(message)

    def retranslate(self, lang: str) -> None:
        self._lang = lang
        self.title.setText(tr("pin.title", lang))
        self.message.setText(tr("pin.prompt", lang))
        self.cancel.setText(tr("common.back", lang))
        self.keypad.retranslate(lang)


MANUAL_REASONS = (
    ("forgot_card", "忘带身份证", "forgot the ID card"),
    ("card_unreadable", "身份证读不出", "card cannot be read"),
    ("no_id_card", "没有身份证", "has no ID card"),
    ("staff_judgement", "工作人员判断需要帮助", "staff judged help is needed"),
)


class ManualIdScreen(QWidget):
    """Staff type a visitor's ID number (or none) and their own staff number."""

    identify = Signal(object, str, str)  # id_number or None, staff number, reason
    preview = Signal(str)  # id_number: what do the roster and the age rule say?
    cancelled = Signal()

    def __init__(self) -> None:
        super().__init__()
        root = QHBoxLayout(self)
        self._root = root
        root.setContentsMargins(theme.px(40), theme.px(32), theme.px(40), theme.px(32))
        root.setSpacing(theme.px(32))
        left = QVBoxLayout()
        fields = QGridLayout()
        self.id_field = big_button("身份证号（可不填）\nID number (optional)", px=theme.TEXT_PX - 8)
        self.staff_field = big_button("工号\nStaff number", px=theme.TEXT_PX - 8)
        self.id_field.setObjectName("FieldIdNumber")
        self.staff_field.setObjectName("FieldStaff")
        self.id_pad = Keypad(secret=False, allow_x=True, max_len=18)
        self.id_pad.ok.hide()
        self.staff_entry = QLineEdit()
        self.staff_entry.setObjectName("StaffNumber")
        self.staff_entry.setReadOnly(True)
        self.staff_entry.setMaxLength(12)
        self.staff_entry.setFont(theme.font(theme.TITLE_PX - 8, bold=True))
        self.staff_entry.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.id_pad.entry.setFont(theme.font(theme.TITLE_PX - 8, bold=True))
        for column, (button, entry) in enumerate(
            ((self.id_field, self.id_pad.entry), (self.staff_field, self.staff_entry))
        ):
            button.setCheckable(True)
            fields.addWidget(button, 0, column)
            fields.addWidget(entry, 1, column)  # the keypad's own entry moves up here
        fields.setColumnStretch(0, 3)
        fields.setColumnStretch(1, 2)
        left.addLayout(fields)
        left.addWidget(self.id_pad)
        self.id_field.clicked.connect(lambda: self._target(self.id_pad.entry))
        self.staff_field.clicked.connect(lambda: self._target(self.staff_entry))
        root.addLayout(left, 3)
        right = QVBoxLayout()
        self.reason_buttons: dict[str, QPushButton] = {}
        for code, zh, en in MANUAL_REASONS:
            button = big_button(f"{zh}\n{en}", px=theme.TEXT_PX - 8, min_height=84)
            button.setObjectName(f"reason_{code}")
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, c=code: self._pick(c))
            self.reason_buttons[code] = button
            right.addWidget(button)
        self.message = label(px=theme.TEXT_PX - 8)
        self.message.setObjectName("ManualMessage")
        # Room for the roster/age check (five lines) without squeezing.
        self.message.setMinimumHeight(QFontMetrics(self.message.font()).lineSpacing() * 6)
        right.addWidget(self.message)
        self.go = big_button("发绿色通道号 / Issue priority", min_height=110)
        self.go.setObjectName("ManualIssue")
        self.go.clicked.connect(self._submit)
        self.cancel = big_button("返回 / Back", min_height=90)
        self.cancel.clicked.connect(self.cancelled)
        right.addWidget(self.go)
        right.addWidget(self.cancel)
        root.addLayout(right, 2)
        self._reason = ""
        #: The number whose roster/age result staff have seen (they confirm after it).
        self._previewed: str | None = None

    def set_portrait(self, portrait: bool) -> None:
        self._root.setDirection(
            QHBoxLayout.Direction.TopToBottom if portrait else QHBoxLayout.Direction.LeftToRight
        )

    def reset(self) -> None:
        self._previewed = None
        self.id_pad.clear()
        self.staff_entry.clear()
        self._pick("")
        self.message.clear()
        self._target(self.staff_entry)

    def _target(self, entry: QLineEdit) -> None:
        self.id_pad.target = entry
        self.id_field.setChecked(entry is self.id_pad.entry)
        self.staff_field.setChecked(entry is self.staff_entry)

    def _pick(self, code: str) -> None:
        self._reason = code
        for key, button in self.reason_buttons.items():
            button.setChecked(key == code)

    def _submit(self) -> None:
        staff = self.staff_entry.text().strip()
        if not staff or not self._reason:
            self.message.setText("请填写工号并选择原因 / Staff number and reason are required")
            return
        number = self.id_pad.entry.text().strip() or None
        if number is not None and number != self._previewed:
            # First what the roster and the age rule say; the next tap confirms.
            self.message.setText("正在查询名单…… / Checking the roster…")
            self.preview.emit(number)
            return
        self.identify.emit(number, staff, self._reason)

    def show_preview(self, preview: object) -> None:
        """Roster and age rule for the typed number, then staff confirm (tap again)."""
        self._previewed = self.id_pad.entry.text().strip()
        matches = getattr(preview, "matches", ())
        lines = [f"{getattr(preview, 'id_masked', '')}"]
        if matches:
            for match in matches:
                until = f"，有效至 {match.valid_to}" if match.valid_to else ""
                name = category_name(match.category.value, "zh")
                lines.append(f"名单：{name}{until} / on the roster ({match.category.value})")
        else:
            lines.append("名单：不在名单上 / not on the roster")
        age = getattr(preview, "age", None)
        if age is not None:
            lines.append(f"年龄：{age} 岁 / aged {age}")
        decision = getattr(preview, "decision", None)
        verdict = "规则：可走绿色通道 / rules: eligible"
        if not getattr(decision, "eligible", False):
            verdict = "规则：不符合，需您的原因 / rules: not eligible, your reason counts"
        lines.append(verdict)
        lines.append("再按一次确认 / Tap again to confirm")
        self.message.setText("\n".join(lines))

    def show_error(self, message: str) -> None:
        self.message.setText(message)


#: Status levels: the colour and the word say the same thing.
STATUS_LEVELS = {
    "ok": (theme.GREEN, "正常 OK"),
    "warn": ("#7A4B00", "注意 Check"),
    "error": (theme.WARNING, "故障 Fault"),
    "unknown": ("#3B4A5A", "未知 Unknown"),
}

VOID_REASONS = (
    ("left", "访客已离开", "visitor left"),
    ("wrong_service", "取错业务", "wrong service"),
    ("duplicate", "重复取号", "duplicate ticket"),
    ("test", "测试票", "test ticket"),
)


class StaffPanel(QWidget):
    reprint_requested = Signal(str)
    void_requested = Signal(str, str)  # ticket id, reason
    help_answered = Signal(str)  # help request id
    manual_requested = Signal()
    sync_requested = Signal()
    print_report_requested = Signal(object)  # the day report shown
    exit_requested = Signal()
    closed = Signal()

    def __init__(self, catalogue: Catalogue) -> None:
        super().__init__()
        self._catalogue = catalogue
        root = QVBoxLayout(self)
        root.setContentsMargins(theme.px(32), theme.px(24), theme.px(32), theme.px(24))
        root.setSpacing(theme.px(16))
        root.addWidget(label("工作人员面板 / Staff panel", px=theme.TITLE_PX, bold=True))

        status = QFrame()
        status.setObjectName("TicketCard")
        status_layout = QGridLayout(status)
        self.status_labels: dict[str, object] = {}
        for row, (key, title) in enumerate(
            [
                ("printer", "打印机 / Printer"),
                ("reader", "读卡器 / ID reader"),
                ("server", "服务器 / Hall server"),
                ("voice", "语音 / Voice"),
            ]
        ):
            status_layout.addWidget(label(title, px=theme.TEXT_PX - 4, center=False), row, 0)
            value = label("—", px=theme.TEXT_PX - 4, bold=True, center=False)
            value.setObjectName(f"status_{key}")
            self.status_labels[key] = value
            status_layout.addWidget(value, row, 1)
        root.addWidget(status)

        # Open help requests from visitors: urgent, so first and in the warning colour.
        self.help_box = QFrame()
        self.help_box.setObjectName("WarningPanel")
        help_row = QHBoxLayout(self.help_box)
        help_row.setContentsMargins(theme.px(20), theme.px(10), theme.px(20), theme.px(10))
        self.help_list = QListWidget()
        self.help_list.setObjectName("HelpRequests")
        self.help_list.setFont(theme.font(theme.TEXT_PX - 6, bold=True))
        self.help_list.setMaximumHeight(theme.px(120))
        self.help_done = big_button("已处理 / Answered", min_height=80)
        self.help_done.setObjectName("HelpAnswered")
        self.help_done.clicked.connect(self._answer_help)
        help_row.addWidget(self.help_list, 1)
        help_row.addWidget(self.help_done)
        self.help_box.hide()
        root.addWidget(self.help_box)

        middle = QHBoxLayout()
        # A list, so it scrolls instead of clipping when there are many services.
        self.counts = QListWidget()
        self.counts.setObjectName("StaffCounts")
        self.counts.setFont(theme.font(theme.TEXT_PX - 6))
        middle.addWidget(self.counts, 2)
        tickets = QVBoxLayout()
        self.recent = QListWidget()
        self.recent.setObjectName("RecentTickets")
        self.recent.setFont(theme.font(theme.TEXT_PX - 6))
        tickets.addWidget(self.recent, 1)
        self.ticket_actions = QWidget()
        row = QHBoxLayout(self.ticket_actions)
        row.setContentsMargins(0, 0, 0, 0)
        self.reprint = big_button("补打 / Reprint", min_height=80)
        self.reprint.setObjectName("StaffReprint")
        self.void = big_button("作废 / Void", min_height=80)
        self.void.setObjectName("StaffVoid")
        self.reprint.clicked.connect(lambda: self._with_selected(self.reprint_requested))
        self.void.clicked.connect(self._ask_void)
        row.addWidget(self.reprint)
        row.addWidget(self.void)
        tickets.addWidget(self.ticket_actions)
        # Void asks first: which ticket, and why (the reason goes into the audit).
        self.void_confirm = QFrame()
        self.void_confirm.setObjectName("TicketCard")
        confirm = QGridLayout(self.void_confirm)
        self.void_question = label(px=theme.TEXT_PX - 4, bold=True)
        self.void_question.setWordWrap(True)
        self.void_question.setObjectName("VoidQuestion")
        confirm.addWidget(self.void_question, 0, 0, 1, 2)
        self.void_reasons: dict[str, QPushButton] = {}
        for index, (code, zh, en) in enumerate(VOID_REASONS):
            button = big_button(f"{zh}\n{en}", px=theme.TEXT_PX - 8, min_height=90)
            button.setObjectName(f"void_{code}")
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, c=code: self._pick_void_reason(c))
            self.void_reasons[code] = button
            confirm.addWidget(button, 1 + index // 2, index % 2)
        self.void_ok = big_button("确认作废 / Void it", min_height=72)
        self.void_ok.setObjectName("VoidConfirm")
        self.void_ok.setEnabled(False)
        self.void_ok.clicked.connect(self._confirm_void)
        self.void_cancel = big_button("取消 / Cancel", min_height=72)
        self.void_cancel.setObjectName("VoidCancel")
        self.void_cancel.clicked.connect(self._cancel_void)
        confirm.addWidget(self.void_ok, 3, 0)
        confirm.addWidget(self.void_cancel, 3, 1)
        self.void_confirm.hide()
        tickets.addWidget(self.void_confirm)
        self._void_ticket: str | None = None
        self._void_reason = ""
        middle.addLayout(tickets, 3)
        root.addLayout(middle, 1)

        # End-of-day sync: progress while it runs, then the day report (or what failed).
        self.sync_progress = QProgressBar()
        self.sync_progress.setObjectName("SyncProgress")
        self.sync_progress.setRange(0, 100)
        self.sync_progress.setMinimumHeight(theme.px(36))
        self.sync_progress.setVisible(False)
        root.addWidget(self.sync_progress)
        report_row = QHBoxLayout()
        self.sync_report = label(px=theme.TEXT_PX - 8, center=False)
        self.sync_report.setObjectName("SyncReport")
        self.sync_report.setVisible(False)
        report_row.addWidget(self.sync_report, 1)
        self.print_report = big_button("打印日结 / Print report", min_height=70)
        self.print_report.setObjectName("StaffPrintReport")
        self.print_report.setVisible(False)
        self.print_report.clicked.connect(lambda: self.print_report_requested.emit(self._report))
        report_row.addWidget(self.print_report)
        root.addLayout(report_row)
        self._report: object = None

        actions = QGridLayout()
        self.manual = big_button("人工核实 / Manual ID", min_height=90)
        self.manual.setObjectName("StaffManual")
        self.manual.clicked.connect(self.manual_requested)
        self.sync = big_button("日终同步 / End-of-day sync", min_height=90)
        self.sync.setObjectName("StaffSync")
        self.sync.setEnabled(False)
        self.sync.setToolTip("Needs a hall server (config server.url)")
        self.sync.clicked.connect(self.sync_requested)
        self.exit = big_button("退出到桌面 / Exit", min_height=90)
        self.exit.setObjectName("StaffExit")
        self.exit.clicked.connect(self.exit_requested)
        self.close_button = big_button("关闭 / Close", min_height=90)
        self.close_button.setObjectName("StaffClose")
        self.close_button.clicked.connect(self.closed)
        for index, button in enumerate((self.manual, self.sync, self.exit, self.close_button)):
            actions.addWidget(button, index // 2, index % 2)
        root.addLayout(actions)

    def _with_selected(self, signal) -> None:
        item = self.recent.currentItem()
        if item is not None:
            signal.emit(item.data(Qt.ItemDataRole.UserRole))

    def _ask_void(self) -> None:
        item = self.recent.currentItem()
        if item is None:
            return
        self._void_ticket = item.data(Qt.ItemDataRole.UserRole)
        number = item.text().split()[0]
        self.void_question.setText(f"作废 {number}？请选择原因 / Void {number}? Pick a reason")
        self._pick_void_reason("")
        # The question takes the place of the list, so it has room on any screen.
        self.recent.hide()
        self.ticket_actions.hide()
        self.void_confirm.show()

    def _pick_void_reason(self, code: str) -> None:
        self._void_reason = code
        for key, button in self.void_reasons.items():
            button.setChecked(key == code)
        self.void_ok.setEnabled(bool(code))

    def _confirm_void(self) -> None:
        if self._void_ticket is not None and self._void_reason:
            self.void_requested.emit(self._void_ticket, self._void_reason)
        self._cancel_void()

    def _cancel_void(self) -> None:
        self._void_ticket = None
        self.void_confirm.hide()
        self.recent.show()
        self.ticket_actions.show()

    def _answer_help(self) -> None:
        item = self.help_list.currentItem() or self.help_list.item(0)
        if item is not None:
            self.help_answered.emit(item.data(Qt.ItemDataRole.UserRole))

    def set_status(self, key: str, text: str, level: str) -> None:
        """``level``: ok, warn, error or unknown; the word and the colour match it."""
        widget = self.status_labels[key]
        colour, word = STATUS_LEVELS[level]
        widget.setText(f"{word}: {text}")  # type: ignore[attr-defined]
        widget.setStyleSheet(f"color: {colour};")  # type: ignore[attr-defined]

    def counts_text(self) -> str:
        return "\n".join(self.counts.item(i).text() for i in range(self.counts.count()))

    def enable_sync(self, enabled: bool) -> None:
        self.sync.setEnabled(enabled)
        self.sync.setToolTip("" if enabled else "Needs a hall server (config server.url)")

    def show_sync_progress(self, percent: int, text: str) -> None:
        self.sync.setEnabled(False)
        self.sync_progress.setVisible(True)
        self.sync_progress.setValue(percent)
        self.sync_progress.setFormat(f"{text}  %p%")

    def show_end_of_day(self, report_lines: list[str], problems: list[str], report: object) -> None:
        self.sync.setEnabled(True)
        self.sync_progress.setVisible(False)
        lines = list(report_lines)
        if problems:
            lines.insert(
                0, "同步未完成，数据已保留，下次再传 / Sync not complete; kept for next time:"
            )
            lines[1:1] = [f"  {p}" for p in problems]
        else:
            lines.insert(0, "日终同步完成 / End-of-day sync complete")
        self.sync_report.setText("\n".join(lines))
        self.sync_report.setVisible(True)
        self._report = report
        self.print_report.setVisible(True)

    def show_summary(self, summary) -> None:
        lines = [f"今日合计 / Today: {summary.total}"]
        for service in self._catalogue:
            lines.append(f"  {service.name_zh}: {summary.by_service.get(service.code, 0)}")
        lines.append("绿色通道 / Priority:")
        for category, count in sorted(summary.by_category.items()):
            lines.append(f"  {category_name(category, 'zh')}: {count}")
        if summary.not_printed:
            lines.append(f"未打印 / Not printed: {summary.not_printed}")
        self.counts.clear()
        self.counts.addItems(lines)
        self.help_list.clear()
        for request in getattr(summary, "help_requests", ()):
            when = request.at.astimezone(summary.zone).strftime("%H:%M")
            item = QListWidgetItem(f"{when}  访客求助 / Visitor needs help ({request.screen})")
            item.setData(Qt.ItemDataRole.UserRole, request.id)
            self.help_list.addItem(item)
        self.help_box.setVisible(self.help_list.count() > 0)
        self.recent.clear()
        for ticket in summary.recent:
            service = self._catalogue.by_code(ticket.service_code)
            state = {"printed": "已打印", "failed": "未打印!", "pending": "打印中"}.get(
                ticket.print_state, ticket.print_state
            )
            if ticket.voided:
                state = "已作废"
            when = ticket.issued_at.astimezone(summary.zone).strftime("%H:%M")
            text = f"{ticket.number}  {service.name_zh}  {when}  {state}"
            if ticket.visitor_ref:  # tells one day's visitors apart; no part of any number
                text += f"  访客 {ticket.visitor_ref}"
            if ticket.reprint_count:
                text += f"  补打×{ticket.reprint_count}"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, ticket.id)
            self.recent.addItem(item)
