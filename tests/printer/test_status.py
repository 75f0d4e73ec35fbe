import pytest

from printer.status import PrinterStatus, decode_online, decode_paper
from tests.printer.escpos_stream import OFFLINE, ONLINE, PAPER_NEAR_END, PAPER_OK, PAPER_OUT


@pytest.mark.parametrize(
    ("status", "can_print", "needs_attention"),
    [
        (PrinterStatus.READY, True, False),
        (PrinterStatus.PAPER_NEAR_END, True, True),
        (PrinterStatus.UNKNOWN, True, False),
        (PrinterStatus.PAPER_OUT, False, True),
        (PrinterStatus.OFFLINE, False, True),
        (PrinterStatus.ERROR, False, True),
    ],
)
def test_status_groups(status: PrinterStatus, can_print: bool, needs_attention: bool) -> None:
    assert status.can_print() is can_print
    assert status.needs_attention() is needs_attention


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (bytes([ONLINE]), True),
        (bytes([OFFLINE]), False),
        (b"", None),
        (b"\x00", None),  # fixed bits missing: not a status byte
        (b"\xff", None),
        (bytes([OFFLINE, ONLINE]), True),  # a late reply first: the last byte counts
    ],
)
def test_decode_online(reply: bytes, expected: bool | None) -> None:
    assert decode_online(reply) is expected


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (bytes([PAPER_OK]), PrinterStatus.READY),
        (bytes([PAPER_NEAR_END]), PrinterStatus.PAPER_NEAR_END),
        (bytes([PAPER_OUT]), PrinterStatus.PAPER_OUT),
        (bytes([PAPER_OUT | PAPER_NEAR_END]), PrinterStatus.PAPER_OUT),
        (b"", None),
        (b"0", None),  # ASCII '0' (0x30): not a status byte
    ],
)
def test_decode_paper(reply: bytes, expected: PrinterStatus | None) -> None:
    assert decode_paper(reply) is expected


def test_decoding_agrees_with_python_escpos_masks() -> None:
    from escpos.constants import RT_MASK_LOWPAPER, RT_MASK_NOPAPER, RT_MASK_ONLINE, RT_MASK_PAPER

    assert PAPER_OK & RT_MASK_PAPER == RT_MASK_PAPER
    assert PAPER_NEAR_END & RT_MASK_LOWPAPER == RT_MASK_LOWPAPER
    assert PAPER_OUT & RT_MASK_NOPAPER == RT_MASK_NOPAPER
    assert OFFLINE & RT_MASK_ONLINE and not ONLINE & RT_MASK_ONLINE
