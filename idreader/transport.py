"""The only module that touches pyserial: it moves bytes and wraps every failure.

A port is a device path (``/dev/ttyUSB0``, ``COM3``, a symlink such as the simulator's)
or any pyserial URL (``socket://host:port``, ``loop://``, ``spy://...``). Every error of
pyserial or the OS (including ``termios.error``, which is neither a ``SerialException``
nor an ``OSError``) leaves as :class:`~idreader.errors.ReaderOffline`, and the port is
closed at once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import serial

from idreader.errors import ReaderOffline

try:
    import termios

    _TERMIOS_ERRORS: tuple[type[BaseException], ...] = (termios.error,)
except ImportError:  # pragma: no cover - Windows
    _TERMIOS_ERRORS = ()

__all__ = ["PORT_ERRORS", "SerialTransport", "check_port_url", "list_serial_ports"]

log = logging.getLogger(__name__)

#: What pyserial and the OS raise on a failing or vanished port.
PORT_ERRORS: tuple[type[BaseException], ...] = (serial.SerialException, OSError, *_TERMIOS_ERRORS)

_OPEN_ERRORS: tuple[type[BaseException], ...] = (*PORT_ERRORS, ValueError)

#: Largest single read; a whole read reply (1295 bytes) fits.
_READ_CHUNK = 4096


def check_port_url(url: str) -> None:
    """Raise ``ValueError`` now if pyserial cannot even construct a port for ``url``
    (an unknown ``xyz://`` scheme): that is a configuration error, not "offline"."""
    serial.serial_for_url(url, do_not_open=True)


def list_serial_ports() -> list[str]:
    """Serial ports of this machine, USB adapters first (readers are USB-serial)."""
    from serial.tools import list_ports

    ports = sorted(list_ports.comports(), key=lambda p: (p.vid is None, p.device))
    return [p.device for p in ports]


class SerialTransport:
    """One serial connection, 8N1. Open it, move bytes, close it; nothing else."""

    def __init__(
        self,
        url: str,
        baudrate: int,
        *,
        read_chunk_timeout_s: float = 0.05,
        write_timeout_s: float = 1.0,
        exclusive: bool = True,
    ) -> None:
        self.url = url
        self.baudrate = baudrate
        self._read_chunk_timeout_s = read_chunk_timeout_s
        self._write_timeout_s = write_timeout_s
        self._exclusive = exclusive
        self._port: serial.SerialBase | None = None

    @property
    def is_open(self) -> bool:
        return self._port is not None

    def open(self) -> None:
        if self._port is not None:
            return
        try:
            port = serial.serial_for_url(
                self.url,
                do_not_open=True,
                baudrate=self.baudrate,
                bytesize=serial.EIGHTBITS,
                parity=serial.PARITY_NONE,
                stopbits=serial.STOPBITS_ONE,
                timeout=self._read_chunk_timeout_s,
                write_timeout=self._write_timeout_s,
            )
            if self._exclusive and "://" not in self.url:
                # flock() the device so a second program cannot talk to the same reader.
                port.exclusive = True
            port.open()
        except _OPEN_ERRORS as e:
            raise ReaderOffline(f"cannot open {self.url}: {_reason(e)}") from e
        self._port = port
        log.debug("opened %s at %d baud", self.url, self.baudrate)

    def close(self) -> None:
        """Close at once; never raises (the port may already be gone)."""
        port, self._port = self._port, None
        if port is None:
            return
        try:
            port.close()
        except Exception as e:  # a vanished device can fail even to close
            log.debug("closing %s: %s", self.url, e)

    def _require(self) -> serial.SerialBase:
        if self._port is None:
            raise ReaderOffline(f"{self.url} is not open")
        return self._port

    def _fail(self, action: str, e: BaseException) -> ReaderOffline:
        self.close()
        return ReaderOffline(f"{action} {self.url} failed: {_reason(e)}")

    def write(self, data: bytes) -> None:
        port = self._require()
        try:
            port.write(data)
        except PORT_ERRORS as e:
            raise self._fail("writing to", e) from e

    def read_some(self) -> bytes:
        """Wait up to the chunk timeout for a first byte, then take all that is there."""
        port = self._require()
        try:
            waiting = port.in_waiting
            data = port.read(min(waiting, _READ_CHUNK) if waiting else 1)
            if data and not waiting:
                more = port.in_waiting
                if more:
                    data += port.read(min(more, _READ_CHUNK))
        except PORT_ERRORS as e:
            raise self._fail("reading from", e) from e
        return bytes(data)

    def discard_input(self) -> None:
        """Drop whatever was received and not read yet (stale or late replies)."""
        port = self._require()
        try:
            port.reset_input_buffer()
        except PORT_ERRORS as e:
            raise self._fail("flushing", e) from e

    def __repr__(self) -> str:
        state = "open" if self.is_open else "closed"
        return f"SerialTransport({self.url!r}, {self.baudrate}, {state})"


def _reason(e: BaseException) -> str:
    text = str(e) or type(e).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def describe_ports(urls: Sequence[str]) -> str:
    if not urls:
        return "no serial ports"
    if len(urls) <= 4:
        return ", ".join(urls)
    return f"{', '.join(urls[:4])} and {len(urls) - 4} more"
