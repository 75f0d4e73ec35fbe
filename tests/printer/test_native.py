"""Native tickets: exact bytes, decoded back by the test decoder, and the charset check."""

from dataclasses import replace
from datetime import datetime

import pytest
import qrcode
import qrcode.constants

from printer.charset import encode_printable, printable, unprintable_chars
from printer.native import NativeFormat, build_native_ticket
from printer.samples import sample_ticket
from printer.ticket import TicketContent, qr_version
from tests.printer.escpos_stream import native_lines, parse, qr_codes

ESC, FS, GS, LF = b"\x1b", b"\x1c", b"\x1d", b"\n"
TM_T20II = NativeFormat(width_dots=576, feed_units_per_dot=2, qr_command=True, cut=b"\x1dV\x00")
POS_5890 = NativeFormat(width_dots=384, feed_units_per_dot=None, qr_command=False, cut=b"")


def _gb(text: str) -> bytes:
    return text.encode("gb18030")


def _minimal() -> TicketContent:
    return TicketContent(
        number="A1",
        service_name_zh="社保",
        service_name_en="SS",
        location_zh="",
        location_en="",
        issued_at=datetime(2025, 3, 18, 9, 41, 27),
        ticket_id="X1",
    )


def test_minimal_ticket_bytes_exactly() -> None:
    """Every command of a small ticket, written out from the ESC/POS reference."""
    feed = lambda dots: ESC + b"J" + bytes([dots * 2])  # noqa: E731  (1/406 inch units)
    spacing = lambda dots: ESC + b"3" + bytes([min(255, dots * 2)])  # noqa: E731
    qr = lambda fn, params: GS + b"(k" + bytes([len(params) + 2, 0, 49, fn]) + params  # noqa: E731
    expected = (
        ESC + b"@" + FS + b"&"  # initialise, Chinese mode
        + feed(8)
        + ESC + b"a\x01" + spacing(32) + _gb("您的号码  Your number") + LF
        + feed(6)
        + GS + b"!\x77" + ESC + b"E\x01" + spacing(192) + b"A1" + LF  # 8 x 8, bold
        + feed(18)
        + GS + b"!\x11" + spacing(56) + _gb("社保") + LF  # 2 x 2, still bold
        + GS + b"!\x00" + ESC + b"E\x00" + spacing(32) + b"SS" + LF
        + feed(12)
        + spacing(24) + b"-" * 48 + LF  # a rule: 48 ASCII cells, lines touch
        + feed(10)
        + feed(10)  # no waiting count, no location
        + b"-" * 48 + LF
        + feed(10)
        + ESC + b"E\x01" + spacing(32) + b"2025-03-18" + LF
        + ESC + b"E\x00" + _gb("09:41:27  星期二") + LF
        + _gb("票号 ID X1") + LF
        + feed(16)
        + qr(65, b"\x32\x00")  # model 2
        + qr(67, b"\x08")  # 8-dot modules: version 1 is 21 modules, 168 dots
        + qr(69, b"\x31")  # error correction M
        + qr(80, b"\x30X1")  # store
        + qr(81, b"\x30")  # print
        + feed(10)
        + ESC + b"a\x00" + ESC + b"d\x06" + GS + b"V\x00"  # feed past the cutter, cut
    )  # fmt: skip
    assert build_native_ticket(_minimal(), TM_T20II) == expected


@pytest.mark.parametrize("fmt", [TM_T20II, POS_5890], ids=["80mm", "58mm"])
def test_sample_ticket_decodes_back_in_order(fmt: NativeFormat) -> None:
    content = sample_ticket(priority=True, reprint=True)
    data = build_native_ticket(content, fmt)
    commands = parse(data)
    lines = native_lines(commands)
    texts = [line.text.strip() for line in lines if line.text.strip("-＝ ")]
    expected_order = [
        "青岛市市南区政务服务中心",
        "补打  REPRINT  补打",
        "绿色通道",
        "Priority",
        "您的号码  Your number",
        "L012",
        "医疗保险",
        "Medical Insurance",
        "您前面还有 12 人等候",
        "12 people waiting ahead of you",
        "请到 A区 3-5号窗口 等候叫号",
    ]
    assert texts[: len(expected_order)] == expected_order
    assert texts[-2:] == ["请留意叫号，过号请重新取号", "Please listen for your number"]
    by_text = {line.text.strip(): line for line in lines}
    number = by_text["L012"]
    assert number.bold and number.align == 1 and number.size[1] == 8
    assert number.size[0] == (8 if fmt.width_dots == 576 else 7)  # 4 x 12 x 8 > 360 dots
    assert by_text["医疗保险"].size == (2, 2)
    banner = [line for line in lines if line.reverse]
    assert [line.text.strip() for line in banner] == ["绿色通道", "Priority"]
    for line in lines:  # nothing wider than the paper (the printer would wrap it)
        cells = sum(12 if ord(ch) < 0x80 else 24 for ch in line.text)
        assert cells * line.size[0] <= fmt.width_dots, line
    for line in banner:  # white on black from edge to edge
        cells = sum(12 if ord(ch) < 0x80 else 24 for ch in line.text)
        assert fmt.width_dots - cells * line.size[0] < 12 * line.size[0]
    names = [c.name for c in commands]
    assert names[:2] == ["init", "chinese_on"]
    assert names[-2:] == (["feed", "cut"] if fmt.cut else ["align", "feed"])
    if fmt.feed_units_per_dot is None:  # unknown unit: no ESC J, no ESC 3
        assert "feed_units" not in names and "line_spacing" not in names


def test_qr_code_command_holds_the_payload() -> None:
    content = sample_ticket()
    codes = qr_codes(parse(build_native_ticket(content, TM_T20II)))
    assert len(codes) == 1
    code = codes[0]
    assert code.payload == content.qr_payload.encode() and code.error_correction == "M"
    modules = 17 + 4 * qr_version(code.payload)
    assert modules * code.module_dots <= 168 < modules * (code.module_dots + 1)


def test_without_the_qr_command_the_code_is_a_small_raster() -> None:
    commands = parse(build_native_ticket(sample_ticket(), POS_5890))
    assert qr_codes(commands) == []
    rasters = [c for c in commands if c.name == "raster"]
    assert len(rasters) == 1
    _, width_bytes, rows = rasters[0].args
    assert width_bytes * 8 < 384 and rows == 111  # 37 modules of 3 dots, centred by ESC a 1


@pytest.mark.parametrize("length", [1, 14, 15, 62, 63, 84, 85, 213, 214, 500])
def test_qr_version_table_agrees_with_the_qrcode_library(length: int) -> None:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(qrcode.util.QRData(b"a" * length, mode=qrcode.util.MODE_8BIT_BYTE))
    code.make(fit=True)
    assert qr_version(b"a" * length) == code.version


def test_sample_ticket_is_under_two_kilobytes_at_80mm() -> None:
    for priority in (False, True):
        data = build_native_ticket(sample_ticket(priority=priority, reprint=True), TM_T20II)
        assert len(data) < 2048


def test_long_service_names_wrap_within_the_paper() -> None:
    content = replace(
        sample_ticket(), service_name_zh="社会保障卡申领补换及相关业务咨询与办理窗口服务"
    )
    lines = native_lines(parse(build_native_ticket(content, POS_5890)))
    texts = [line.text for line in lines]
    service = lines[texts.index("A037") + 2 : texts.index("Medical Insurance")]
    assert "".join(line.text for line in service) == content.service_name_zh
    # Too long for one line at 2 x 2: double height only, 16 hanzi a line on 58 mm paper.
    assert [(len(line.text), line.size) for line in service] == [(16, (1, 2)), (7, (1, 2))]


def test_characters_the_printer_cannot_print_become_question_marks() -> None:
    fmt = replace(TM_T20II, charset="gb2312")
    content = replace(sample_ticket(), service_name_zh="医保😀", hall_name="镕基中心")
    lines = [line.text.strip() for line in native_lines(parse(build_native_ticket(content, fmt)))]
    assert "医保?" in lines  # an emoji: no glyph in any printer font
    assert "?基中心" in lines  # 镕 is GBK, not GB2312


def test_printable_charsets() -> None:
    assert unprintable_chars("医疗保险 Medical 3-5号，（）") == []
    assert unprintable_chars("㐀") == []  # CJK Extension A: in GB18030-2000 fonts
    assert unprintable_chars("𠀾医😀保😀") == ["𠀾", "😀"]  # Extension B, emoji
    assert unprintable_chars("가\ue000\t") == ["가", "\ue000", "\t"]  # Hangul, private use
    assert unprintable_chars("镕基", "gb2312") == ["镕"]
    assert unprintable_chars("一\n二") == []
    assert printable("€") and not printable("€", "gb2312")
    assert encode_printable("医😀", "gb18030") == "医?".encode("gb18030")
    with pytest.raises(ValueError):
        printable("医", "big5")
