"""``LineCardReader``: devices that send one text line per card or scan.

Readers in "line" mode and barcode/QR scanners (a printed priority-service card) usually
run at 9600 8N1 and send each read as a line. A line shaped like an ID number must be a
valid one (a misread number is reported, never taken for a service code); any other line
must look like a service-card code. The same text arriving again within
``repeat_suppress_s`` is taken as the device repeating itself and is not reported twice.

These devices have no status command, so the port must be given (no probing), and an
idle device is "ready" as long as its port is open. Unplugging is noticed at once (the
port fails), reported as OFFLINE, and the port is reopened every
``reconnect_interval_s`` until the device is back.
"""

from __future__ import annotations

import logging
import re
import time

from idreader.base import (
    CardCallback,
    CardErrorCallback,
    ReaderState,
    StateCallback,
    ThreadedReader,
)
from idreader.card import SERVICE_CODE_PATTERN, parse_scanned_line
from idreader.errors import CardDataError, InvalidIdNumber
from idreader.lines import LineSplitter
from idreader.transport import SerialTransport, check_port_url
from idreader.wirelog import wire_log

__all__ = ["LineCardReader"]

log = logging.getLogger(__name__)


class LineCardReader(ThreadedReader):
    """Reports :class:`~idreader.card.ScannedCode` values from a line-mode device."""

    def __init__(
        self,
        port: str,
        *,
        on_card: CardCallback,
        on_state: StateCallback | None = None,
        on_card_error: CardErrorCallback | None = None,
        baudrate: int = 9600,
        reconnect_interval_s: float = 0.5,
        repeat_suppress_s: float = 1.0,
        service_code_pattern: re.Pattern[str] = SERVICE_CODE_PATTERN,
        max_line_length: int = 256,
        encoding: str = "utf-8",
    ) -> None:
        if not port:
            raise ValueError("a line-mode device cannot be probed: give its port")
        check_port_url(port)
        super().__init__(
            name=f"idreader-line-{port}",
            reconnect_interval_s=reconnect_interval_s,
            on_card=on_card,
            on_state=on_state,
            on_card_error=on_card_error,
        )
        self._port = port
        self._baudrate = baudrate
        self._repeat_suppress_s = repeat_suppress_s
        self._pattern = service_code_pattern
        self._max_line_length = max_line_length
        self._encoding = encoding
        self._transport: SerialTransport | None = None
        self._last_text = ""
        self._last_at = float("-inf")

    @property
    def port(self) -> str:
        return self._port

    def _disconnect(self) -> None:
        transport, self._transport = self._transport, None
        if transport is not None:
            transport.close()

    def _session(self) -> None:
        self._transport = transport = SerialTransport(self._port, self._baudrate)
        transport.open()
        transport.discard_input()
        self._set_state(ReaderState.READY, f"scanner ready on {self._port}")
        splitter = LineSplitter(self._max_line_length, self._encoding)
        while True:
            self._check_stop()
            chunk = transport.read_some()
            if not chunk:
                continue
            wire_log.debug("%s rx %d bytes (withheld)", self._port, len(chunk))
            for line in splitter.feed(chunk):
                self._handle_line(line)

    def _handle_line(self, line: str) -> None:
        text = line.strip()
        now = time.monotonic()
        if text == self._last_text and now - self._last_at < self._repeat_suppress_s:
            self._last_at = now
            log.debug("repeated scan suppressed")
            return
        self._last_text, self._last_at = text, now
        try:
            code = parse_scanned_line(text, service_code_pattern=self._pattern)
        except (InvalidIdNumber, CardDataError) as e:
            self._emit_card_error(e)
            return
        log.info("scanned a %s", "number" if code.is_id_number else "code")
        self._emit_card(code)
