"""``SerialCardReader``: the protocol reader on a serial port, on its own thread.

The loop, once connected::

    module status (once) -> every poll_interval_s: find card
        9F -> select -> read (retried on a broken reply) -> IdentityCard -> on_card
        80 -> no card (the card was lifted, or the module already read it)

One laying is reported once: the module stops finding a card it has read until the card
is lifted and laid again. For firmware that keeps finding it, the loop reads it again but
reports it only if it is a different card, until a poll finds no card.

Failures: the port failing or vanishing -> OFFLINE (at once: between polls the loop waits
on the port itself, which reports a hang-up immediately); no replies or broken replies on
several polls in a row, or a module fault (not authorised, self-test failed ...) -> ERROR.
In both cases the port is closed at once and reopened every ``reconnect_interval_s`` until
the reader answers again: nobody has to restart anything. Problems with one card (moved
while reading, data not valid) go to ``on_card_error`` once per laying and do not change
the reader's state.

Port: a device path, a symlink to one, or a pyserial URL; ``None`` probes the machine's
serial ports (USB adapters first) with the module-status command, and probes again after
each disconnection (a replugged adapter can come back under another name).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from idreader.base import (
    ERROR_STATES,
    CardCallback,
    CardErrorCallback,
    CardReader,
    ReaderState,
    StateCallback,
    StopRequested,
    ThreadedReader,
)
from idreader.card import IdentityCard, parse_text_block
from idreader.codec import (
    FIND_CARD_REQUEST,
    MODULE_STATUS_REQUEST,
    READ_FINGERPRINT_REQUEST,
    READ_REQUEST,
    SELECT_CARD_REQUEST,
    TEXT_SIZE,
    CardData,
    Response,
    ResponseDecoder,
    Status,
    parse_card_data,
)
from idreader.errors import (
    CardDataError,
    CardReaderError,
    FrameError,
    InvalidIdNumber,
    NoReply,
    ReaderNotFound,
    ReaderStatusError,
    UnexpectedReply,
)
from idreader.transport import SerialTransport, check_port_url, describe_ports, list_serial_ports
from idreader.wirelog import describe_request, describe_response, wire_log

__all__ = [
    "ERROR_STATES",
    "CardReader",
    "ReaderState",
    "SerialCardReader",
    "probe_port",
]

log = logging.getLogger(__name__)


class _Link:
    """One open port plus its frame decoder: request/response transactions."""

    def __init__(self, transport: SerialTransport, check_stop: Callable[[], None]) -> None:
        self.transport = transport
        self._decoder = ResponseDecoder()
        self._check_stop = check_stop

    def transact(
        self, request: bytes, timeout_s: float, fits: Callable[[Response], bool] | None = None
    ) -> Response:
        """Send one request and wait for its reply.

        Raises ReaderOffline (port failed), NoReply (silence), or a FrameError (the reply
        was broken: checksum, length, truncated). Stale bytes are dropped first, and a
        reply that ``fits`` rejects (the late answer to an earlier request) is skipped.
        """
        transport = self.transport
        transport.discard_input()
        self._decoder.clear()
        if wire_log.isEnabledFor(logging.DEBUG):
            wire_log.debug("%s tx %s", transport.url, describe_request(request))
        transport.write(request)
        deadline = time.monotonic() + timeout_s
        discarded_before = self._decoder.discarded
        pending_error: FrameError | None = None
        while True:
            self._check_stop()
            chunk = transport.read_some()
            for item in self._decoder.feed(chunk) if chunk else ():
                if isinstance(item, Response):
                    if wire_log.isEnabledFor(logging.DEBUG):
                        wire_log.debug("%s rx %s", transport.url, describe_response(item))
                    if fits is None or fits(item):
                        return item
                    wire_log.debug("%s skipped a stale reply", transport.url)
                    continue
                wire_log.debug("%s rx broken frame: %s", transport.url, item)
                pending_error = pending_error or item
            if pending_error is not None and not chunk:
                # A broken frame and then a quiet line: no good reply is coming.
                raise pending_error
            # Checked on every round, so that a line full of noise cannot keep us here.
            if time.monotonic() >= deadline:
                if pending_error is not None:
                    raise pending_error
                truncated = self._decoder.end_of_stream()
                if truncated is not None:
                    wire_log.debug("%s rx %s", transport.url, truncated)
                    raise truncated
                noise = self._decoder.discarded - discarded_before
                hint = f" ({noise} bytes of noise: wrong baud rate?)" if noise else ""
                raise NoReply(
                    f"no reply from the reader on {transport.url} in {timeout_s:.2f} s{hint}"
                )

    def idle_until(self, deadline: float) -> None:
        """Wait for the next poll while watching the port, so that a vanished device is
        noticed at once (a hung-up port reads as ready and then fails), not at the next
        request. Unsolicited bytes are dropped."""
        while True:
            self._check_stop()
            if time.monotonic() >= deadline:
                return
            chunk = self.transport.read_some()
            if chunk:
                wire_log.debug("%s rx %d unsolicited bytes dropped", self.transport.url, len(chunk))

    def close(self) -> None:
        self.transport.close()


# Replies carry no request id; these reject a late answer to a different command.
# Error statuses fit any command except the ones only find (9F, 80) produces.


def _fits_status(reply: Response) -> bool:
    return reply.sw3 not in (Status.FIND_SUCCESS, Status.NO_CARD) and not (
        reply.sw3 == Status.SUCCESS and reply.data
    )


def _fits_find(reply: Response) -> bool:
    return reply.sw3 != Status.SUCCESS


def _fits_select(reply: Response) -> bool:
    return reply.sw3 not in (Status.FIND_SUCCESS, Status.NO_CARD) and not (
        reply.sw3 == Status.SUCCESS and len(reply.data) > 64
    )


def _fits_read(reply: Response) -> bool:
    if reply.sw3 == Status.SUCCESS:
        return len(reply.data) >= 4 + TEXT_SIZE
    return reply.sw3 not in (Status.FIND_SUCCESS, Status.NO_CARD)


#: The module says the request it received was damaged (checksum, length).
_TRANSIENT_STATUSES = frozenset({Status.MODULE_BAD_CHECKSUM, Status.MODULE_BAD_LENGTH})


def _never_stop() -> None:
    return None


def probe_port(url: str, baudrate: int = 115200, timeout_s: float = 0.3) -> bool:
    """True if a card reader answers the module-status command on ``url``.

    Any well-formed reply counts (a module that is not authorised is still a reader).
    Never raises for an absent or failing port. Usable by a set-up check.
    """
    transport = SerialTransport(url, baudrate)
    try:
        transport.open()
        _Link(transport, _never_stop).transact(MODULE_STATUS_REQUEST, timeout_s, _fits_status)
    except CardReaderError:
        return False
    finally:
        transport.close()
    return True


class SerialCardReader(ThreadedReader):
    """Reads resident ID cards (and permits) from a protocol reader on a serial port.

    ``start()`` runs the loop on a daemon thread; ``on_card``, ``on_state`` and
    ``on_card_error`` are called on that thread. ``state`` can be read from any thread.
    """

    def __init__(
        self,
        port: str | None,
        *,
        on_card: CardCallback,
        on_state: StateCallback | None = None,
        on_card_error: CardErrorCallback | None = None,
        baudrate: int = 115200,
        poll_interval_s: float = 0.33,
        reply_timeout_s: float = 0.5,
        read_timeout_s: float = 2.0,
        reconnect_interval_s: float = 0.5,
        probe_timeout_s: float = 0.3,
        probe_ports: Callable[[], Sequence[str]] | None = None,
        read_fingerprint: bool = False,
        read_attempts: int = 3,
        max_failed_polls: int = 3,
    ) -> None:
        super().__init__(
            name=f"idreader-{port or 'probe'}",
            reconnect_interval_s=reconnect_interval_s,
            on_card=on_card,
            on_state=on_state,
            on_card_error=on_card_error,
        )
        if port is not None:
            check_port_url(port)  # an unknown URL scheme is a configuration error
        if poll_interval_s <= 0 or reply_timeout_s <= 0 or read_timeout_s <= 0:
            raise ValueError("intervals and timeouts must be positive")
        if read_attempts < 1 or max_failed_polls < 1:
            raise ValueError("read_attempts and max_failed_polls must be at least 1")
        self._configured_port = port
        self._baudrate = baudrate
        self._poll_interval_s = poll_interval_s
        self._reply_timeout_s = reply_timeout_s
        self._read_timeout_s = read_timeout_s
        self._probe_timeout_s = probe_timeout_s
        self._probe_ports = probe_ports or list_serial_ports
        self._read_request = READ_FINGERPRINT_REQUEST if read_fingerprint else READ_REQUEST
        self._read_attempts = read_attempts
        self._max_failed_polls = max_failed_polls
        self._link: _Link | None = None
        self._port_in_use: str | None = None

    @property
    def port(self) -> str | None:
        """The port in use (the probed one when probing), or the configured one."""
        return self._port_in_use or self._configured_port

    # --- session ---------------------------------------------------------------------

    def _disconnect(self) -> None:
        link, self._link = self._link, None
        if link is not None:
            link.close()

    def _open_link(self) -> _Link:
        if self._configured_port is not None:
            transport = SerialTransport(self._configured_port, self._baudrate)
            transport.open()
            return _Link(transport, self._check_stop)
        candidates = list(self._probe_ports())
        for url in candidates:
            self._check_stop()
            transport = SerialTransport(url, self._baudrate)
            try:
                transport.open()
                _Link(transport, self._check_stop).transact(
                    MODULE_STATUS_REQUEST, self._probe_timeout_s, _fits_status
                )
            except CardReaderError as e:
                log.debug("probe %s: %s", url, e)
                transport.close()
                continue
            except StopRequested:
                transport.close()
                raise
            log.info("found a card reader on %s", url)
            return _Link(transport, self._check_stop)
        raise ReaderNotFound(
            f"no card reader answered on {describe_ports(candidates)} at {self._baudrate} baud"
        )

    def _session(self) -> None:
        self._link = link = self._open_link()
        self._port_in_use = link.transport.url
        reply = link.transact(MODULE_STATUS_REQUEST, self._reply_timeout_s, _fits_status)
        reply.raise_for_status(context="module status")
        self._set_state(ReaderState.READY, f"reader ready on {link.transport.url}")
        self._poll(link)

    def _poll(self, link: _Link) -> None:
        failed_polls = 0
        # A card of this laying was read (or found unusable), and its text block: firmware
        # that keeps finding a card it has read gets it read again, but reported only if
        # it is a different card (swapped without a poll in between).
        card_present = False
        last_text = b""
        error_reported = False  # a card error of this laying went to on_card_error
        next_poll = time.monotonic()
        while True:
            link.idle_until(next_poll)
            next_poll = max(next_poll + self._poll_interval_s, time.monotonic())
            try:
                reply = link.transact(FIND_CARD_REQUEST, self._reply_timeout_s, _fits_find)
            except (NoReply, FrameError) as e:
                failed_polls += 1
                log.debug("find card failed (%d in a row): %s", failed_polls, e)
                if failed_polls >= self._max_failed_polls:
                    summary = f"{failed_polls} polls in a row failed; last: {e}"
                    if isinstance(e, NoReply):
                        raise NoReply(summary) from e
                    raise FrameError(summary) from e
                continue
            if reply.sw3 not in _TRANSIENT_STATUSES:
                failed_polls = 0
            if reply.sw3 == Status.FIND_SUCCESS:
                outcome = self._read_card(link, announce=not card_present)
                if isinstance(outcome, tuple):
                    card, text = outcome
                    if not (card_present and text == last_text):
                        log.info("card read: %s", card)
                        self._emit_card(card)
                    card_present, last_text = True, text
                else:
                    # Unusable data: this laying is done. Read failures: try again.
                    card_present = isinstance(outcome, CardDataError | InvalidIdNumber)
                    last_text = b""
                    if not error_reported:
                        error_reported = True
                        self._emit_card_error(outcome)
                self._set_state(ReaderState.READY, "lay a card")
            elif reply.sw3 == Status.NO_CARD:
                card_present = False
                error_reported = False
            elif reply.sw3 in _TRANSIENT_STATUSES:
                # Our request reached the module damaged: a glitch on the line, like a
                # broken reply.
                failed_polls += 1
                if failed_polls >= self._max_failed_polls:
                    raise reply.error(f"find card, {failed_polls} times in a row")
            else:
                error = reply.error("find card")
                if not error.is_card_fault:
                    raise error
                log.debug("find card: %s", error)

    def _read_card(
        self, link: _Link, *, announce: bool
    ) -> tuple[IdentityCard, bytes] | CardReaderError:
        """Select and read the found card: the card and its text block, or the error
        (returned, not raised, when the card is the problem)."""
        if announce:
            self._set_state(ReaderState.READING, "reading the card")
        started = time.monotonic()
        try:
            link.transact(
                SELECT_CARD_REQUEST, self._reply_timeout_s, _fits_select
            ).raise_for_status(context="select card")
            data = self._read_data(link)
            card = parse_text_block(data.text, data.photo)
        except ReaderStatusError as e:
            if not e.is_card_fault:
                raise
            return e
        except (FrameError, NoReply, CardDataError, InvalidIdNumber) as e:
            return e
        log.debug("card read in %.0f ms", (time.monotonic() - started) * 1000)
        return card, data.text

    def _read_data(self, link: _Link) -> CardData:
        last_error: CardReaderError | None = None
        for attempt in range(1, self._read_attempts + 1):
            try:
                reply = link.transact(self._read_request, self._read_timeout_s, _fits_read)
                reply.raise_for_status(context="read card")
                if not reply.data:
                    raise UnexpectedReply("read reply carries no card data")
                return parse_card_data(reply)
            except (FrameError, NoReply) as e:
                log.info("read attempt %d of %d failed: %s", attempt, self._read_attempts, e)
                last_error = e
        assert last_error is not None
        raise last_error
