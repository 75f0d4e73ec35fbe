import pytest

from printer.errors import PrinterConfigError
from printer.settings import TRANSPORT_NAMES, PrinterSettings


def test_defaults_and_profile_by_width() -> None:
    s = PrinterSettings(transport="network", host="192.0.2.9")
    assert (s.port, s.timeout_s, s.paper_width_mm) == (9100, 3.0, 80)
    assert s.profile_name == "TM-T20II"
    assert PrinterSettings(transport="fake", paper_width_mm=58).profile_name == "POS-5890"
    assert PrinterSettings(transport="fake", profile="TM-T88V").profile_name == "TM-T88V"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"transport": "bluetooth"}, "transport"),
        ({"transport": "fake", "paper_width_mm": 76}, "paper_width_mm"),
        ({"transport": "usb"}, "usb_vendor_id"),
        ({"transport": "usb", "usb_vendor_id": 0x10000, "usb_product_id": 1}, "usb_vendor_id"),
        ({"transport": "serial"}, "serial_port"),
        ({"transport": "serial", "serial_port": "COM3", "serial_baudrate": 12345}, "baudrate"),
        ({"transport": "network"}, "host"),
        ({"transport": "network", "host": "h", "port": 0}, "port"),
        ({"transport": "network", "host": "h", "timeout_s": 0}, "timeout_s"),
        ({"transport": "network", "host": "h", "timeout_s": float("nan")}, "timeout_s"),
        ({"transport": "file"}, "device_path"),
        ({"transport": "preview"}, "preview_dir"),
        ({"transport": "fake", "profile": " "}, "profile"),
    ],
)
def test_invalid_settings_are_rejected(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(PrinterConfigError, match=message):
        PrinterSettings(**kwargs)  # type: ignore[arg-type]


def test_spoolers_accept_the_default_printer() -> None:
    for transport in ("win32raw", "cups", "lp"):
        assert "(default printer)" in PrinterSettings(transport=transport).describe()


def test_from_mapping_parses_hex_usb_ids() -> None:
    s = PrinterSettings.from_mapping(
        {"transport": "usb", "usb_vendor_id": "0x0416", "usb_product_id": "5011", "timeout_s": 2}
    )
    assert (s.usb_vendor_id, s.usb_product_id, s.timeout_s) == (0x0416, 0x5011, 2)
    assert s.describe().startswith("usb 0416:5011")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"transport": "fake", "paper_widht_mm": 58}, "unknown printer setting"),
        ({"paper_width_mm": 58}, "transport"),
        ({"transport": "usb", "usb_vendor_id": "zz", "usb_product_id": 1}, "hex"),
    ],
)
def test_from_mapping_rejects_bad_tables(data: dict[str, object], message: str) -> None:
    with pytest.raises(PrinterConfigError, match=message):
        PrinterSettings.from_mapping(data)


def test_every_transport_is_described() -> None:
    required = {
        "usb": {"usb_vendor_id": 1, "usb_product_id": 2},
        "serial": {"serial_port": "/dev/ttyS0"},
        "network": {"host": "h"},
        "file": {"device_path": "/dev/usb/lp0"},
        "preview": {"preview_dir": "/tmp/x"},
    }
    for name in TRANSPORT_NAMES:
        s = PrinterSettings(transport=name, **required.get(name, {}))  # type: ignore[arg-type]
        assert s.describe().endswith("80 mm paper, profile TM-T20II, image tickets")


def test_confirmation_waits_for_the_printer_to_print_the_ticket() -> None:
    from printer.transports import confirm_timeout_s

    network = PrinterSettings(transport="network", host="h", timeout_s=3)
    assert confirm_timeout_s(network, ticket_mm=100, ticket_bytes=50_000) == 3 + 100 / 40
    serial = PrinterSettings(transport="serial", serial_port="p", serial_baudrate=115200)
    assert confirm_timeout_s(serial, 100, 57_600) == 3 + 100 / 40 + 5.0  # 576,000 bits
