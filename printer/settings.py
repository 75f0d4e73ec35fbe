"""Printer settings: typed, frozen, validated once at start-up.

The kiosk's TOML ``[printer]`` table maps onto :class:`PrinterSettings` (see
:meth:`PrinterSettings.from_mapping`). Which python-escpos class serves which transport is
decided by the table in :mod:`printer.transports`, not by ``escpos.config`` (buggy in 3.1).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from printer.errors import PrinterConfigError

#: Every transport name the settings accept.
TRANSPORT_NAMES = ("usb", "serial", "network", "file", "win32raw", "cups", "lp", "preview", "fake")

#: Paper width -> python-escpos profile used when ``profile`` is not set.
DEFAULT_PROFILES = {58: "POS-5890", 80: "TM-T20II"}

#: How a ticket is printed: a 1-bit image with the bundled font (every printer), or text in
#: the printer's own Chinese font (``native``: ~1 KB, fast on slow links).
TICKET_MODES = ("image", "native")
#: The printer's Chinese font (native mode; the catalogue is checked against it).
FONT_CHARSETS = ("gb18030", "gb2312")

_SERIAL_BAUDRATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400)


class PrinterSettingError(PrinterConfigError):
    """One setting is wrong; ``key`` names it, so a config file can point at the line."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class PrinterSettings:
    """Where the ticket printer is and how to talk to it.

    ``transport`` picks the connection; only the fields of that transport matter:

    - ``usb``: ``usb_vendor_id``, ``usb_product_id`` (``usb_in_ep``, ``usb_out_ep``)
    - ``serial``: ``serial_port`` (``serial_baudrate``)
    - ``network``: ``host`` (``port``)
    - ``file``: ``device_path``, e.g. ``/dev/usb/lp0``
    - ``win32raw``, ``cups``, ``lp``: ``printer_name`` (empty: the system default printer)
    - ``preview``: ``preview_dir`` (PNG + raw ESC/POS bytes per ticket)
    - ``fake``: nothing (tests, demo)

    ``profile`` overrides the python-escpos profile picked by ``paper_width_mm``; the image
    is rendered at that profile's dot width. ``read_status`` False skips status queries on
    usb/serial/network (for printers that do not answer them: status is then UNKNOWN).
    ``cutter`` None follows the profile; True/False forces a full cut / no cut.
    ``mode`` ``image`` (default) or ``native``; ``charset`` is the printer's own Chinese
    font, used by native tickets (``gb18030``, or ``gb2312`` for printers with only that).
    """

    transport: str
    paper_width_mm: int = 80
    usb_vendor_id: int | None = None
    usb_product_id: int | None = None
    usb_in_ep: int = 0x82
    usb_out_ep: int = 0x01
    serial_port: str = ""
    serial_baudrate: int = 19200
    host: str = ""
    port: int = 9100
    timeout_s: float = 3.0
    device_path: str = ""
    printer_name: str = ""
    preview_dir: str = ""
    profile: str | None = None
    read_status: bool = True
    cutter: bool | None = None
    mode: str = "image"
    charset: str = "gb18030"

    def __post_init__(self) -> None:
        if self.mode not in TICKET_MODES:
            raise PrinterConfigError(
                f"printer mode {self.mode!r} is not one of {', '.join(TICKET_MODES)}"
            )
        if self.charset not in FONT_CHARSETS:
            raise PrinterConfigError(
                f"printer charset {self.charset!r} is not one of {', '.join(FONT_CHARSETS)}"
            )
        if self.transport not in TRANSPORT_NAMES:
            raise PrinterSettingError(
                "transport",
                f"printer transport {self.transport!r} is not one of {', '.join(TRANSPORT_NAMES)}",
            )
        if self.paper_width_mm not in DEFAULT_PROFILES:
            raise PrinterSettingError(
                "paper_width_mm", f"paper_width_mm must be 58 or 80, not {self.paper_width_mm!r}"
            )
        if (
            isinstance(self.timeout_s, bool)
            or not isinstance(self.timeout_s, int | float)
            or not math.isfinite(self.timeout_s)
            or not 0 < self.timeout_s <= 60
        ):
            raise PrinterSettingError(
                "timeout_s", f"timeout_s must be in (0, 60] seconds, not {self.timeout_s!r}"
            )
        if self.profile is not None and not self.profile.strip():
            raise PrinterSettingError(
                "profile", "profile must be a python-escpos profile name or unset"
            )
        if not isinstance(self.read_status, bool):
            raise PrinterSettingError(
                "read_status", f"read_status must be true or false, not {self.read_status!r}"
            )
        check = _CHECKS.get(self.transport)
        if check is not None:
            check(self)

    @property
    def profile_name(self) -> str:
        """The python-escpos profile to use (explicit, or by paper width)."""
        return self.profile or DEFAULT_PROFILES[self.paper_width_mm]

    def describe(self) -> str:
        """One line for logs and the technician's status report (no secrets in here)."""
        where = {
            "usb": lambda: f"usb {_hex4(self.usb_vendor_id)}:{_hex4(self.usb_product_id)}",
            "serial": lambda: f"serial {self.serial_port} @ {self.serial_baudrate} baud",
            "network": lambda: f"network {self.host}:{self.port}",
            "file": lambda: f"device file {self.device_path}",
            "win32raw": lambda: f"win32raw {self.printer_name or '(default printer)'}",
            "cups": lambda: f"cups {self.printer_name or '(default printer)'}",
            "lp": lambda: f"lp {self.printer_name or '(default printer)'}",
            "preview": lambda: f"preview folder {self.preview_dir}",
            "fake": lambda: "fake printer",
        }[self.transport]()
        mode = "image" if self.mode == "image" else f"native {self.charset}"
        return (
            f"{where}, {self.paper_width_mm} mm paper, profile {self.profile_name}, {mode} tickets"
        )

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> PrinterSettings:
        """Build settings from a config table (e.g. TOML ``[printer]``).

        Unknown keys are an error (a typo must not silently fall back to a default). USB ids
        may be integers (``0x0416`` in TOML) or hex strings (``"0416"``, ``"0x0416"``).
        """
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise PrinterConfigError(f"unknown printer setting(s): {', '.join(unknown)}")
        if "transport" not in data:
            raise PrinterConfigError("printer setting 'transport' is required")
        values = dict(data)
        for key in ("usb_vendor_id", "usb_product_id", "usb_in_ep", "usb_out_ep"):
            if isinstance(values.get(key), str):
                values[key] = _parse_hex(key, values[key])
        try:
            return cls(**values)
        except TypeError as e:
            raise PrinterConfigError(f"bad printer settings: {e}") from e


def _hex4(value: int | None) -> str:
    return "????" if value is None else f"{value:04x}"


def _parse_hex(key: str, text: str) -> int:
    try:
        return int(text, 16)
    except ValueError as e:
        raise PrinterSettingError(
            key, f"{key} must be a hex number like 0x0416, not {text!r}"
        ) from e


def _require_int(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PrinterSettingError(
            name, f"{name} must be an integer in [{low}, {high}], not {value!r}"
        )


def _check_usb(s: PrinterSettings) -> None:
    for key in ("usb_vendor_id", "usb_product_id"):
        if getattr(s, key) is None:
            raise PrinterSettingError(key, "usb transport needs usb_vendor_id and usb_product_id")
    _require_int("usb_vendor_id", s.usb_vendor_id, 0, 0xFFFF)
    _require_int("usb_product_id", s.usb_product_id, 0, 0xFFFF)
    _require_int("usb_in_ep", s.usb_in_ep, 0x80, 0x8F)
    _require_int("usb_out_ep", s.usb_out_ep, 0x00, 0x0F)


def _check_serial(s: PrinterSettings) -> None:
    if not s.serial_port:
        raise PrinterSettingError(
            "serial_port", "serial transport needs serial_port (e.g. /dev/ttyUSB0, COM3)"
        )
    if s.serial_baudrate not in _SERIAL_BAUDRATES:
        raise PrinterSettingError(
            "serial_baudrate",
            f"serial_baudrate must be one of {_SERIAL_BAUDRATES}, not {s.serial_baudrate!r}",
        )


def _check_network(s: PrinterSettings) -> None:
    if not s.host:
        raise PrinterSettingError("host", "network transport needs host")
    _require_int("port", s.port, 1, 65535)


def _check_file(s: PrinterSettings) -> None:
    if not s.device_path:
        raise PrinterSettingError(
            "device_path", "file transport needs device_path (e.g. /dev/usb/lp0)"
        )


def _check_preview(s: PrinterSettings) -> None:
    if not s.preview_dir:
        raise PrinterSettingError("preview_dir", "preview transport needs preview_dir")


_CHECKS = {
    "usb": _check_usb,
    "serial": _check_serial,
    "network": _check_network,
    "file": _check_file,
    "preview": _check_preview,
}
