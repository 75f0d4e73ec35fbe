"""Sample tickets for previews, technicians' test prints and benchmarks."""

from __future__ import annotations

from datetime import datetime

from printer.ticket import TicketContent

SAMPLE_HALL_NAME = "青岛市市南区政务服务中心"
SAMPLE_FOOTER = "请留意叫号，过号请重新取号\nPlease listen for your number"


def sample_ticket(
    *,
    priority: bool = False,
    reprint: bool = False,
    waiting_ahead: int | None = 12,
    issued_at: datetime | None = None,
    qr_url_prefix: str = "https://zwfw.example.gov.cn/t/",
) -> TicketContent:
    """A realistic ticket (medical insurance, window 3-5) with fixed ids."""
    return TicketContent(
        number="L012" if priority else "A037",
        service_name_zh="医疗保险",
        service_name_en="Medical Insurance",
        location_zh="A区 3-5号窗口",
        location_en="Area A, windows 3-5",
        issued_at=issued_at or datetime(2025, 3, 18, 9, 41, 27),
        ticket_id="7f3c9a2e-4b1d-4e8a-9c55-0d2f6b8e1a47",
        hall_name=SAMPLE_HALL_NAME,
        kiosk_id="K01",
        priority=priority,
        waiting_ahead=waiting_ahead,
        qr_url_prefix=qr_url_prefix,
        footer=SAMPLE_FOOTER,
        reprint=reprint,
    )


#: How the test ticket names each mode, so the technician can tell the two prints apart.
MODE_LABELS = {"image": ("图像模式", "IMAGE MODE"), "native": ("原生字体", "NATIVE MODE")}


def diagnostic_ticket(
    *, kiosk_id: str = "", issued_at: datetime | None = None, mode: str = "image"
) -> TicketContent:
    """The technician's test print: exercises every part of the layout, says it is void
    and which mode (image or native) printed it."""
    now = issued_at or datetime.now()
    zh, en = MODE_LABELS[mode]
    return TicketContent(
        number="T000",
        service_name_zh="打印机测试 医疗保险 社会保障卡",
        service_name_en="Printer test - not a valid ticket",
        location_zh=f"测试 {zh}",
        location_en=f"test only, {en.lower()}",
        issued_at=now,
        ticket_id=f"test-{now:%Y%m%d%H%M%S}",
        hall_name=f"打印测试 {zh} {en}",
        kiosk_id=kiosk_id,
        priority=True,
        priority_label_zh="绿色通道（测试）",
        priority_label_en="Priority (test)",
        waiting_ahead=0,
        footer="此票无效 This ticket is void\n0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    )
