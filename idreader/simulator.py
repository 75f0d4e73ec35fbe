"""A card reader that speaks the real wire protocol over a pseudo-terminal.

``ReaderSimulator`` opens a pty with ``os.openpty()`` and answers requests on the master
end from its own thread, exactly as a reader module would (status, find, select, read,
with the "find fails after a read until the card is lifted" behaviour). The program under
test opens the slave end like any serial port, so the whole pyserial path is exercised.

Unplug and replug: ``port`` is a symlink (in a private temp dir unless ``link_path`` is
given) that points at the current ``/dev/pts/N``. ``unplug()`` closes the master, which
makes the reader's open port fail exactly as a pulled USB adapter does, and removes the
symlink, so reopening fails like an absent device. ``replug()`` opens a fresh pty and
re-points the symlink at it. A pty's slave path cannot outlive its master, so the
symlink is what stays stable: configure the reader with ``sim.port`` (the symlink),
never with ``sim.tty_path``, and it reconnects by itself after a replug.

Fault injection: ``corrupt_next_checksum()``, ``truncate_next_reply()``,
``garbage_before_next_reply()``, ``fail_next()``, ``set_delay_s()`` (slow replies),
``go_silent()`` (requests are swallowed), ``set_module_status()`` (e.g. 0x66, module not
authorised), ``unplug()``/``replug()``. ``pace_baud`` spreads replies over the time they
would take on a real line (a pty itself has no baud rate).

``LineDeviceSimulator`` is the same pty plumbing for line-mode devices: ``scan(text)``.

Command line: ``python -m idreader.simulator --help``. It prints the port path as the
first line on stdout, then lays and lifts the given cards in turn (or takes commands on
stdin with ``--interactive``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import queue
import select
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

from idreader.card import IdentityCard, encode_text_block
from idreader.codec import (
    Command,
    Request,
    RequestDecoder,
    Status,
    build_card_data,
    build_response,
)
from idreader.enums import CardType, Sex
from idreader.errors import FrameError, LengthError
from idreader.testing import make_card
from idreader.wirelog import describe_parsed_request

__all__ = ["LineDeviceSimulator", "ReaderSimulator", "card_from_spec", "main"]

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Key for requests that were not well-formed frames, in ``request_count``.
BAD_FRAME = "bad_frame"
RequestKey = Command | tuple[int, int] | str


class _PtyDevice:
    """The device end of a pty behind a stable symlink, served by one thread.

    Everything that touches the pty runs on the device thread; public methods hand their
    work to it (``_call``) and wait for it, so they are safe from any thread.
    """

    def __init__(self, *, link_path: str | os.PathLike[str] | None = None, name: str) -> None:
        self._tmpdir: str | None = None
        if link_path is None:
            self._tmpdir = tempfile.mkdtemp(prefix="idreader-sim-")
            link_path = Path(self._tmpdir) / "ttyIDSIM"
        self._link = Path(link_path)
        self._name = name
        self._master: int | None = None
        self._slave: int | None = None
        self._tty_path: str | None = None
        self._generation = 0
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        self._calls: queue.SimpleQueue[_Call] = queue.SimpleQueue()
        self._outbox: deque[tuple[float, bytes]] = deque()
        self._thread: threading.Thread | None = None
        self._running = False
        self._closed = False

    # --- public surface -------------------------------------------------------------

    @property
    def port(self) -> str:
        """The stable path to configure the reader with (a symlink to the current pty)."""
        return str(self._link)

    @property
    def tty_path(self) -> str | None:
        """The current ``/dev/pts/N`` (changes on replug; None while unplugged)."""
        return self._tty_path

    @property
    def plugged(self) -> bool:
        return self._master is not None

    def start(self) -> Self:
        if self._closed:
            raise RuntimeError("a stopped simulator cannot be started again")
        if self._thread is None:
            self._plug()
            self._running = True
            self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._running = False
        self._wake()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        self._unplug()
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def unplug(self) -> None:
        """Pull the plug: the open port fails, and the path disappears until replug."""
        self._call(self._unplug)

    def replug(self) -> None:
        """Plug back in: a fresh pty behind the same ``port`` path."""
        self._call(self._plug)

    # --- plumbing ---------------------------------------------------------------------

    def _call(self, fn: Callable[[], T]) -> T:
        thread = self._thread
        if thread is None or not self._running or threading.current_thread() is thread:
            return fn()
        call = _Call(fn)
        self._calls.put(call)
        self._wake()
        if not call.done.wait(5):
            raise RuntimeError("simulator thread did not respond")
        if call.error is not None:
            raise call.error
        return call.result

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")

    def _plug(self) -> None:
        if self._master is not None:
            return
        import tty  # POSIX only: imported here so that importing this module never fails

        master, slave = os.openpty()
        tty.setraw(slave)  # no echo, no line editing, before anybody opens the port
        os.set_blocking(master, False)
        self._master, self._slave = master, slave
        self._tty_path = os.ttyname(slave)
        self._generation += 1
        self._outbox.clear()
        tmp = self._link.with_name(self._link.name + ".new")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        tmp.symlink_to(self._tty_path)
        os.replace(tmp, self._link)
        self._on_plug()
        log.info("%s plugged in: %s -> %s", self._name, self._link, self._tty_path)

    def _unplug(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._link.unlink()
        master, slave = self._master, self._slave
        self._master = self._slave = None
        self._tty_path = None
        self._outbox.clear()
        for fd in (master, slave):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        if master is not None:
            log.info("%s unplugged", self._name)

    def _loop(self) -> None:
        while self._running:
            timeout = 0.5
            if self._outbox:
                timeout = max(0.0, self._outbox[0][0] - time.monotonic())
            master, generation = self._master, self._generation
            fds = [self._wake_r] if master is None else [self._wake_r, master]
            try:
                ready, _, _ = select.select(fds, [], [], timeout)
            except (OSError, ValueError):
                ready = []
            if self._wake_r in ready:
                with contextlib.suppress(BlockingIOError):
                    os.read(self._wake_r, 4096)
            self._run_calls()
            if master is not None and master in ready and generation == self._generation:
                try:
                    data = os.read(master, 4096)
                except BlockingIOError:
                    data = b""
                except OSError:
                    data = b""  # no reader has the port open: nothing to read
                if data:
                    self._on_bytes(data)
            self._flush_outbox()

    def _run_calls(self) -> None:
        while True:
            try:
                call = self._calls.get_nowait()
            except queue.Empty:
                return
            call.run()

    def _send(self, data: bytes, *, delay_s: float = 0.0, pace_baud: int | None = None) -> None:
        """Queue bytes for the wire, after ``delay_s``, optionally paced at a baud rate."""
        due = max(time.monotonic() + delay_s, self._outbox[-1][0] if self._outbox else 0.0)
        if not pace_baud:
            self._outbox.append((due, data))
            return
        chunk = 32
        per_chunk_s = chunk * 10 / pace_baud
        for i in range(0, len(data), chunk):
            self._outbox.append((due + (i // chunk) * per_chunk_s, data[i : i + chunk]))

    def _flush_outbox(self) -> None:
        now = time.monotonic()
        while self._outbox and self._outbox[0][0] <= now:
            _, data = self._outbox.popleft()
            if self._master is None:
                continue
            try:
                written = os.write(self._master, data)
            except BlockingIOError:
                written = 0
            except OSError as e:
                log.debug("%s write failed: %s", self._name, e)
                continue
            if written < len(data):
                log.warning(
                    "%s: port buffer full, %d bytes dropped", self._name, len(data) - written
                )

    # --- for subclasses -------------------------------------------------------------

    def _on_plug(self) -> None:
        """Called on the device thread (or before it starts) after each plug-in."""

    def _on_bytes(self, data: bytes) -> None:
        """Called on the device thread with bytes the host sent."""


class _Call:
    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.fn()
        except BaseException as e:
            self.error = e
        finally:
            self.done.set()


@dataclass
class _Fault:
    kind: str  # "corrupt", "truncate", "garbage", "status"
    command: Command | None
    value: Any = None


class ReaderSimulator(_PtyDevice):
    """A protocol card reader on a pty. See the module docstring.

    ``cards`` is an optional playlist for ``lay()`` with no argument (the CLI uses it).
    ``sticky_find`` imitates firmware that keeps finding a card it has already read.
    """

    def __init__(
        self,
        cards: Iterable[IdentityCard] = (),
        *,
        link_path: str | os.PathLike[str] | None = None,
        sticky_find: bool = False,
        reply_delay_s: float = 0.0,
        pace_baud: int | None = None,
        module_status: int = Status.SUCCESS,
    ) -> None:
        super().__init__(link_path=link_path, name="idreader-simulator")
        self.cards: list[IdentityCard] = list(cards)
        self._next_card = 0
        self._sticky_find = sticky_find
        self._delay_s = reply_delay_s
        self._pace_baud = pace_baud
        self._module_status = module_status
        self._silent = False
        self._decoder = RequestDecoder()
        self._card_text: bytes | None = None
        self._card_photo = b""
        self._card_label = ""
        self._selected = False
        self._read_done = False
        self._faults: list[_Fault] = []
        self._counts: Counter[RequestKey] = Counter()
        self._counts_changed = threading.Condition()
        #: monotonic time of the last ``lay()`` and of the last "card found" reply.
        self.laid_at: float | None = None
        self.found_at: float | None = None

    # --- the card -------------------------------------------------------------------

    def lay(self, card: IdentityCard | int | None = None) -> IdentityCard:
        """Lay a card on the reader (replacing any card there): the given card, the
        card at that index of ``cards``, or the next card of ``cards`` in turn."""
        if card is None:
            if not self.cards:
                self.cards.append(make_card())
            card = self.cards[self._next_card % len(self.cards)]
            self._next_card += 1
        elif isinstance(card, int):
            card = self.cards[card]
        chosen = card
        text = encode_text_block(chosen)
        self._call(lambda: self._lay_bytes(text, chosen.photo, repr(chosen)))
        return chosen

    def lay_raw(self, text_block: bytes, photo: bytes = b"\x00" * 1024) -> None:
        """Lay a "card" with arbitrary text-block bytes (to test broken card data)."""
        self._call(lambda: self._lay_bytes(bytes(text_block), bytes(photo), "raw card"))

    def lift(self) -> None:
        """Take the card off the reader."""
        self._call(self._lift)

    @property
    def card_present(self) -> bool:
        return self._card_text is not None

    def _lay_bytes(self, text: bytes, photo: bytes, label: str) -> None:
        self._card_text, self._card_photo, self._card_label = text, photo, label
        self._selected = False
        self._read_done = False
        self.laid_at = time.monotonic()
        log.info("card laid: %s", label)

    def _lift(self) -> None:
        if self._card_text is not None:
            log.info("card lifted")
        self._card_text = None
        self._selected = False
        self._read_done = False

    # --- faults and behaviour -------------------------------------------------------

    def corrupt_next_checksum(self, command: Command | None = None, count: int = 1) -> None:
        """Send the next ``count`` replies (to ``command``, or to anything) with a wrong
        checksum."""
        self._add_fault("corrupt", command, None, count)

    def truncate_next_reply(self, command: Command | None = None, keep: float = 0.5) -> None:
        """Send only the first ``keep`` fraction of the next reply."""
        self._add_fault("truncate", command, keep, 1)

    def garbage_before_next_reply(
        self, garbage: bytes = b"\x00\xff\x13\xaa\x96", command: Command | None = None
    ) -> None:
        """Send some noise right before the next reply."""
        self._add_fault("garbage", command, bytes(garbage), 1)

    def fail_next(self, command: Command, status: int, count: int = 1) -> None:
        """Answer the next ``count`` ``command`` requests with this SW3 status instead."""
        self._add_fault("status", command, status, count)

    def set_delay_s(self, seconds: float) -> None:
        """Answer every request after this delay (slow replies)."""
        self._call(lambda: setattr(self, "_delay_s", max(0.0, seconds)))

    def go_silent(self, silent: bool = True) -> None:
        """Swallow every request without an answer (a hung module), or talk again."""
        self._call(lambda: setattr(self, "_silent", silent))

    def set_module_status(self, status: int) -> None:
        """SW3 of the module-status reply (0x90 normally; e.g. 0x66 not authorised)."""
        self._call(lambda: setattr(self, "_module_status", status))

    def clear_faults(self) -> None:
        def clear() -> None:
            self._faults.clear()
            self._silent = False
            self._delay_s = 0.0

        self._call(clear)

    def _add_fault(self, kind: str, command: Command | None, value: Any, count: int) -> None:
        def add() -> None:
            self._faults.extend(_Fault(kind, command, value) for _ in range(count))

        self._call(add)

    # --- observing ------------------------------------------------------------------

    def request_count(self, command: RequestKey) -> int:
        """How many requests of this kind arrived (``BAD_FRAME`` for broken ones)."""
        with self._counts_changed:
            return self._counts[command]

    def wait_for_requests(self, command: RequestKey, count: int, timeout_s: float) -> bool:
        """Wait until ``request_count(command) >= count``; False on timeout."""
        with self._counts_changed:
            return self._counts_changed.wait_for(lambda: self._counts[command] >= count, timeout_s)

    # --- protocol -------------------------------------------------------------------

    def _on_plug(self) -> None:
        # Plugging in powers the module up afresh: a card still lying on it is found again.
        self._decoder.clear()
        self._selected = False
        self._read_done = False

    def _on_bytes(self, data: bytes) -> None:
        for item in self._decoder.feed(data):
            if isinstance(item, FrameError):
                self._count(BAD_FRAME)
                log.debug("simulator received a broken frame: %s", item)
                if not self._silent:
                    status = (
                        Status.MODULE_BAD_LENGTH
                        if isinstance(item, LengthError)
                        else Status.MODULE_BAD_CHECKSUM
                    )
                    self._reply(None, build_response(status))
                continue
            command = item.command
            self._count(command or (item.cmd, item.para))
            log.debug("simulator request: %s", describe_parsed_request(item))
            if self._silent:
                continue
            self._reply(command, self._answer(item))

    def _count(self, key: RequestKey) -> None:
        with self._counts_changed:
            self._counts[key] += 1
            self._counts_changed.notify_all()

    def _take_fault(self, kind: str, command: Command | None) -> _Fault | None:
        for i, fault in enumerate(self._faults):
            if fault.kind == kind and (fault.command is None or fault.command is command):
                return self._faults.pop(i)
        return None

    def _answer(self, request: Request) -> bytes:
        command = request.command
        forced = self._take_fault("status", command)
        if forced is not None:
            return build_response(int(forced.value))
        if command is Command.MODULE_STATUS:
            return build_response(self._module_status)
        if self._module_status != Status.SUCCESS and command is not None:
            return build_response(self._module_status)
        if command is Command.RESET:
            return build_response(Status.SUCCESS)
        if command is Command.MODULE_ID:
            return build_response(Status.SUCCESS, b"SIM-MODULE-0001\x00")
        if command is Command.FIND_CARD:
            found = self._card_text is not None and (self._sticky_find or not self._read_done)
            if found:
                self.found_at = time.monotonic()
                return build_response(Status.FIND_SUCCESS, b"\x00\x00\x00\x00")
            return build_response(Status.NO_CARD)
        if command is Command.SELECT_CARD:
            if self._card_text is None:
                return build_response(Status.SELECT_FAILED)
            self._selected = True
            return build_response(Status.SUCCESS, bytes(8))
        if command in (Command.READ_TEXT_PHOTO, Command.READ_TEXT_PHOTO_FINGERPRINT):
            if self._card_text is None or not self._selected:
                return build_response(Status.READ_FAILED)
            fingerprint = b"" if command is Command.READ_TEXT_PHOTO_FINGERPRINT else None
            self._read_done = True
            return build_response(
                Status.SUCCESS, build_card_data(self._card_text, self._card_photo, fingerprint)
            )
        if request.cmd == 0x60:  # set baud: accepted, the pty does not care
            return build_response(Status.SUCCESS)
        return build_response(Status.BAD_COMMAND)

    def _reply(self, command: Command | None, frame: bytes) -> None:
        garbage = self._take_fault("garbage", command)
        if garbage is not None:
            frame = garbage.value + frame
        if self._take_fault("corrupt", command) is not None:
            frame = frame[:-1] + bytes([frame[-1] ^ 0x5A])
        truncate = self._take_fault("truncate", command)
        if truncate is not None:
            frame = frame[: max(1, int(len(frame) * float(truncate.value)))]
        self._send(frame, delay_s=self._delay_s, pace_baud=self._pace_baud)


class LineDeviceSimulator(_PtyDevice):
    """A line-mode reader or barcode scanner on a pty: ``scan(text)`` sends one line."""

    def __init__(self, *, link_path: str | os.PathLike[str] | None = None) -> None:
        super().__init__(link_path=link_path, name="idreader-line-simulator")

    def scan(self, text: str, line_end: str = "\r\n", encoding: str = "utf-8") -> None:
        data = (text + line_end).encode(encoding)
        self._call(lambda: self._send(data))

    def send_raw(self, data: bytes) -> None:
        self._call(lambda: self._send(bytes(data)))


# --- command line -------------------------------------------------------------------------

_CARD_TYPES = {
    "resident": CardType.RESIDENT_ID,
    "hmt": CardType.HMT_RESIDENCE_PERMIT,
    "foreign2017": CardType.FOREIGN_PERMANENT_2017,
    "foreign2023": CardType.FOREIGN_PERMANENT_2023,
}


def _parse_day(value: str) -> date:
    return date.fromisoformat(value.strip())


def card_from_spec(spec: str | dict[str, Any], seed: int = 0) -> IdentityCard:
    """A synthetic card from ``"birth=1950-03-01,name=测试甲,sex=f,type=resident"``,
    a bare birth date ``"1950-03-01"``, or the same keys in a dict (from JSON/TOML).

    Keys: birth, name, sex (m/f), type (resident, hmt, foreign2017, foreign2023), number,
    valid_from, valid_to (a date, or 长期/none), seed.
    """
    if isinstance(spec, str):
        text = spec.strip()
        if "=" not in text:
            text = f"birth={text}" if text else ""
        fields: dict[str, Any] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            key, _, value = part.partition("=")
            fields[key.strip().lower()] = value.strip()
    else:
        fields = {str(k).lower(): v for k, v in spec.items()}
    unknown = set(fields) - {
        "birth", "birth_date", "name", "sex", "type", "card_type", "number", "id_number",
        "valid_from", "valid_to", "seed",
    }  # fmt: skip
    if unknown:
        raise ValueError(f"unknown card field(s): {', '.join(sorted(unknown))}")
    kwargs: dict[str, Any] = {"seed": int(fields.get("seed", seed))}
    birth = fields.get("birth", fields.get("birth_date"))
    if birth:
        kwargs["birth_date"] = birth if isinstance(birth, date) else _parse_day(str(birth))
    if fields.get("name"):
        kwargs["name"] = str(fields["name"])
    sex = str(fields.get("sex", "")).lower()
    if sex:
        kwargs["sex"] = {"m": Sex.MALE, "male": Sex.MALE, "f": Sex.FEMALE, "female": Sex.FEMALE}[
            sex
        ]
    kind = str(fields.get("type", fields.get("card_type", "resident"))).lower()
    try:
        kwargs["card_type"] = _CARD_TYPES[kind]
    except KeyError:
        raise ValueError(f"card type must be one of {', '.join(_CARD_TYPES)}") from None
    number = fields.get("number", fields.get("id_number"))
    if number:
        kwargs["id_number"] = str(number)
    if fields.get("valid_from"):
        value = fields["valid_from"]
        kwargs["valid_from"] = value if isinstance(value, date) else _parse_day(str(value))
    if "valid_to" in fields:
        value = fields["valid_to"]
        if isinstance(value, date):
            kwargs["valid_to"] = value
        elif str(value).strip().lower() in ("长期", "none", "", "forever"):
            kwargs["valid_to"] = None
        else:
            kwargs["valid_to"] = _parse_day(str(value))
    return make_card(**kwargs)


def _load_cards_file(path: Path) -> tuple[list[IdentityCard], dict[str, Any]]:
    raw = path.read_bytes()
    if path.suffix.lower() == ".toml":
        import tomllib

        doc: Any = tomllib.loads(raw.decode("utf-8"))
    else:
        doc = json.loads(raw.decode("utf-8"))
    options: dict[str, Any] = {}
    if isinstance(doc, dict):
        options = {k: v for k, v in doc.items() if k != "cards"}
        doc = doc.get("cards", [])
    if not isinstance(doc, list):
        raise ValueError(f"{path}: expected a list of cards or a table with 'cards'")
    cards = [card_from_spec(item, seed=i) for i, item in enumerate(doc)]
    return cards, options


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m idreader.simulator",
        description=(
            "Simulate an ID-card reader on a pseudo-terminal. Prints the port path on the "
            "first line of stdout; point the kiosk's reader port at it."
        ),
    )
    parser.add_argument(
        "cards",
        nargs="*",
        metavar="CARD",
        help="a synthetic card: 'birth=1950-03-01,name=测试甲,sex=f,type=resident' "
        "(types: resident, hmt, foreign2017, foreign2023) or just a birth date",
    )
    parser.add_argument("--cards-file", type=Path, help="cards from a JSON or TOML file")
    parser.add_argument("--link", type=Path, help="port path to create (a symlink)")
    parser.add_argument("--lay-s", type=float, default=None, help="seconds a card stays laid")
    parser.add_argument("--lift-s", type=float, default=None, help="seconds between cards")
    parser.add_argument("--once", action="store_true", help="go through the cards once")
    parser.add_argument("--interactive", action="store_true", help="take commands on stdin")
    parser.add_argument("--sticky-find", action="store_true", help="keep finding a read card")
    parser.add_argument("--delay-s", type=float, default=0.0, help="delay every reply")
    parser.add_argument("--pace", action="store_true", help="pace replies at 115200 baud")
    parser.add_argument(
        "--corrupt-every", type=int, default=0, metavar="N", help="corrupt every Nth read reply"
    )
    parser.add_argument("--module-status", type=lambda v: int(v, 0), default=0x90, help="e.g. 0x66")
    parser.add_argument("-v", "--verbose", action="store_true", help="log requests (stderr)")
    return parser


_HELP = """commands: lay [N] | lift | unplug | replug | corrupt | truncate | silent | talk |
          delay SECONDS | status 0xNN | cards | quit"""


def _interactive(sim: ReaderSimulator, stdin: Iterable[str]) -> None:
    print(_HELP, file=sys.stderr)
    for raw in stdin:
        words = raw.split()
        if not words:
            continue
        cmd, args = words[0].lower(), words[1:]
        try:
            if cmd == "lay":
                card = sim.lay(int(args[0]) if args else None)
                print(f"laid {card}", file=sys.stderr)
            elif cmd == "lift":
                sim.lift()
            elif cmd == "unplug":
                sim.unplug()
            elif cmd == "replug":
                sim.replug()
            elif cmd == "corrupt":
                sim.corrupt_next_checksum(Command.READ_TEXT_PHOTO)
            elif cmd == "truncate":
                sim.truncate_next_reply(Command.READ_TEXT_PHOTO)
            elif cmd == "silent":
                sim.go_silent(True)
            elif cmd == "talk":
                sim.go_silent(False)
            elif cmd == "delay":
                sim.set_delay_s(float(args[0]))
            elif cmd == "status":
                sim.set_module_status(int(args[0], 0))
            elif cmd == "cards":
                for i, card in enumerate(sim.cards):
                    print(f"{i}: {card}", file=sys.stderr)
            elif cmd in ("quit", "exit"):
                return
            else:
                print(_HELP, file=sys.stderr)
        except (ValueError, IndexError) as e:
            print(f"? {e}", file=sys.stderr)


def _cycle(
    sim: ReaderSimulator, lay_s: float, lift_s: float, once: bool, corrupt_every: int
) -> None:
    laid = 0
    while True:
        for _ in range(len(sim.cards)):
            laid += 1
            if corrupt_every and laid % corrupt_every == 0:
                sim.corrupt_next_checksum(Command.READ_TEXT_PHOTO)
            card = sim.lay()
            print(f"laid {card}", file=sys.stderr)
            time.sleep(lay_s)
            sim.lift()
            time.sleep(lift_s)
        if once:
            return


def main(argv: Sequence[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    try:
        cards = [card_from_spec(spec, seed=i) for i, spec in enumerate(args.cards)]
        options: dict[str, Any] = {}
        if args.cards_file is not None:
            file_cards, options = _load_cards_file(args.cards_file)
            cards += file_cards
    except (ValueError, KeyError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if not cards:
        cards = [make_card()]
    lay_s = args.lay_s if args.lay_s is not None else float(options.get("lay_s", 3.0))
    lift_s = args.lift_s if args.lift_s is not None else float(options.get("lift_s", 3.0))

    def terminate(signum: int, frame: object) -> None:
        # One is enough: a second SIGTERM (``timeout`` signals the child and then its
        # whole group) must not interrupt the clean-up that removes the port symlink.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, terminate)
    sim = ReaderSimulator(
        cards,
        link_path=args.link,
        sticky_find=args.sticky_find,
        reply_delay_s=args.delay_s,
        pace_baud=115200 if args.pace else None,
        module_status=args.module_status,
    )
    with sim:
        print(sim.port, flush=True)
        print(f"simulating a card reader on {sim.port} ({len(cards)} card(s))", file=sys.stderr)
        try:
            if args.interactive:
                _interactive(sim, sys.stdin)
            else:
                _cycle(sim, lay_s, lift_s, args.once, args.corrupt_every)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
