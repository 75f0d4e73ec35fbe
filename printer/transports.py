"""The project's own transport table: which python-escpos class serves which transport.

``escpos.config`` in 3.1 title-cases the type name and rejects ``cupsprinter``/``lp``
(upstream #639), so the mapping lives here. Each entry also says whether the transport can
read status back (DLE EOT replies) and whether it sends the job only on ``close()``.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Callable
from dataclasses import dataclass

from escpos.escpos import Escpos
from escpos.printer import LP, CupsPrinter, File, Network, Serial, Usb, Win32Raw

from printer.commands import RASTER_BAND_ROWS
from printer.settings import PrinterSettings
from printer.usbbackend import usb_backend


@dataclass(frozen=True)
class Transport:
    name: str
    escpos_class: type[Escpos]
    #: Replies to DLE EOT come back over this connection (usb, serial, network).
    reads_status: bool
    #: The job leaves only on close() (spooler transports): close() failing means not printed.
    sends_on_close: bool
    #: What to install when python-escpos says the class is not usable here.
    needs: str
    build: Callable[[PrinterSettings], Escpos]

    def usable(self) -> bool:
        if self.name == "lp":  # python-escpos only checks for "not Windows"
            return shutil.which("lp") is not None and shutil.which("lpstat") is not None
        if not self.escpos_class.is_usable():
            return False
        if self.name == "usb":  # pyusb imports without libusb, then finds no backend
            return _usb_backend_found()
        return True


def _usb_backend_found() -> bool:
    return usb_backend().found


def _build_usb(s: PrinterSettings) -> Escpos:
    # The backend found once (printer/usbbackend.py): usb.core.find() would otherwise look
    # for libusb on every connection, that is on every ticket.
    return Usb(
        idVendor=s.usb_vendor_id,
        idProduct=s.usb_product_id,
        usb_args={"backend": usb_backend().backend},
        timeout=int(s.timeout_s * 1000),  # pyusb counts milliseconds
        in_ep=s.usb_in_ep,
        out_ep=s.usb_out_ep,
        profile=s.profile_name,
    )


def _build_serial(s: PrinterSettings) -> Escpos:
    # The read timeout bounds one status reply; writes get their own bound after open().
    return Serial(
        devfile=s.serial_port,
        baudrate=s.serial_baudrate,
        timeout=s.timeout_s,
        profile=s.profile_name,
    )


def _build_network(s: PrinterSettings) -> Escpos:
    # python-escpos's default is 60 s: a printer that is off would freeze the kiosk.
    return Network(host=s.host, port=s.port, timeout=s.timeout_s, profile=s.profile_name)


def _build_file(s: PrinterSettings) -> Escpos:
    return File(devfile=s.device_path, auto_flush=True, profile=s.profile_name)


def _build_win32raw(s: PrinterSettings) -> Escpos:
    return Win32Raw(printer_name=s.printer_name, profile=s.profile_name)


def _build_cups(s: PrinterSettings) -> Escpos:
    return CupsPrinter(printer_name=s.printer_name, profile=s.profile_name)


def _build_lp(s: PrinterSettings) -> Escpos:
    return LP(printer_name=s.printer_name, profile=s.profile_name)


TRANSPORTS: dict[str, Transport] = {
    t.name: t
    for t in (
        Transport(
            "usb",
            Usb,
            True,
            False,
            "pyusb and libusb (pip install pyusb; Debian: libusb-1.0-0)",
            _build_usb,
        ),
        Transport("serial", Serial, True, False, "pyserial", _build_serial),
        Transport("network", Network, True, False, "nothing", _build_network),
        Transport("file", File, False, False, "nothing", _build_file),
        Transport("win32raw", Win32Raw, False, True, "pywin32 (Windows only)", _build_win32raw),
        Transport("cups", CupsPrinter, False, True, "pycups (pip install pycups)", _build_cups),
        Transport("lp", LP, False, True, "the lp command (Debian: cups-client)", _build_lp),
    )
}


def open_device(transport: Transport, device: Escpos, settings: PrinterSettings, job: str) -> None:
    """Open the connection (python-escpos would otherwise open lazily on first write)."""
    if transport.name == "file" and not os.path.exists(settings.device_path):
        # File() opens with "wb": it would create a plain file where the device node was.
        raise FileNotFoundError(f"{settings.device_path} does not exist")
    if transport.sends_on_close:
        device.open(job_name=job)
    else:
        device.open()
    if transport.name == "serial":
        # Bound each write: one raster band at the line rate, twice over, plus the timeout.
        band_bytes = RASTER_BAND_ROWS * 72 + 16
        device.device.write_timeout = settings.timeout_s + 2 * band_bytes * 10 / (
            settings.serial_baudrate
        )


def drain_replies(transport: Transport, device: Escpos) -> None:
    """Drop stale bytes (late replies, status sent unasked) before asking a question."""
    if transport.name == "serial":
        device.device.reset_input_buffer()
    elif transport.name == "network":
        sock: socket.socket = device.device
        sock.setblocking(False)
        try:
            while sock.recv(256):
                pass
        except BlockingIOError:
            pass
        finally:
            sock.settimeout(device.timeout)


def read_reply(transport: Transport, device: Escpos, timeout_s: float) -> bytes:
    """Read the reply to one real-time query: b"" when nothing came within ``timeout_s``.

    Serial reads a single byte (``read(16)`` would always wait out the whole timeout);
    USB and network return as soon as anything arrives.
    """
    if transport.name == "serial":
        port = device.device
        port.timeout = timeout_s
        return bytes(port.read(1))
    if transport.name == "usb":
        import usb.core  # only reachable when pyusb is installed

        try:
            return bytes(device.device.read(device.in_ep, 16, int(timeout_s * 1000)))
        except usb.core.USBTimeoutError:
            return b""
    if transport.name == "network":
        sock: socket.socket = device.device
        sock.settimeout(timeout_s)
        try:
            return bytes(sock.recv(16))
        except TimeoutError:
            return b""
        finally:
            sock.settimeout(device.timeout)
    raise NotImplementedError(f"{transport.name} cannot read status back")


def confirm_timeout_s(settings: PrinterSettings, ticket_mm: float, ticket_bytes: int) -> float:
    """How long the reply to a query sent right after a ticket may take.

    A write returns once the bytes are in the OS buffer; the printer takes them only as
    fast as it prints, and answers the query when it gets to it. Allow printing the whole
    ticket at a slow 40 mm/s, and for serial the whole ticket at the line rate on top.
    """
    timeout = settings.timeout_s + ticket_mm / 40.0
    if settings.transport == "serial":
        timeout += ticket_bytes * 10 / settings.serial_baudrate
    return timeout
