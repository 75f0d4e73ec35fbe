"""Test-side ESC/POS: a strict decoder of the command subset tickets use, written from the
Epson command reference (not from python-escpos or printer/), and a TCP printer that
answers status.

The decoder raises on any byte it does not understand, so stray bytes fail the tests.
Image tickets decode to a raster (:func:`raster_image`), native tickets to printed lines
with their size, weight, alignment and colour (:func:`native_lines`) and QR codes
(:func:`qr_codes`).
"""

from __future__ import annotations

import os
import queue
import select
import socket
import socketserver
import struct
import threading
import tty
from dataclasses import dataclass, field

from PIL import Image

ESC, GS, DLE, EOT, FS, LF = 0x1B, 0x1D, 0x10, 0x04, 0x1C, 0x0A

# Real-time status replies (DLE EOT n): bits 1 and 4 are always set.
ONLINE = 0x12
OFFLINE = 0x1A  # bit 3: offline
PAPER_OK = 0x12
PAPER_NEAR_END = 0x1E  # bits 2-3: near-end sensor
PAPER_OUT = 0x72  # bits 5-6: paper end sensor


@dataclass(frozen=True)
class Command:
    # "init", "raster", "feed" (ESC d: lines), "feed_units" (ESC J), "cut", "status_query",
    # "chinese_on" / "chinese_off" (FS & / FS .), "align", "bold", "line_spacing" (ESC 3),
    # "size" (GS ! as (width, height)), "reverse", "qr" (GS ( k: (fn,), data), "text", "lf"
    name: str
    args: tuple[int, ...] = ()
    data: bytes = b""


class Incomplete(Exception):
    """The buffer ends inside a command."""


def _parse_one(buf: bytes, pos: int) -> tuple[Command, int]:
    def need(n: int) -> None:
        if pos + n > len(buf):
            raise Incomplete

    need(1)
    b0 = buf[pos]
    if b0 == ESC:
        need(2)
        op = buf[pos + 1]
        if op == ord("@"):
            return Command("init"), pos + 2
        one_arg = {"d": "feed", "J": "feed_units", "a": "align", "E": "bold", "3": "line_spacing"}
        if chr(op) in one_arg:
            need(3)
            name, n = one_arg[chr(op)], buf[pos + 2]
            if (name == "align" and n not in (0, 1, 2)) or (name == "bold" and n not in (0, 1)):
                raise ValueError(f"ESC {chr(op)} {n} out of range at offset {pos}")
            return Command(name, (n,)), pos + 3
    elif b0 == FS:
        need(2)
        if buf[pos + 1] == ord("&"):
            return Command("chinese_on"), pos + 2
        if buf[pos + 1] == ord("."):
            return Command("chinese_off"), pos + 2
    elif b0 == LF:
        return Command("lf"), pos + 1
    elif 0x20 <= b0 <= 0x7E or 0x81 <= b0 <= 0xFE:
        end = pos
        while end < len(buf):
            size = _char_length(buf, end)
            if size == 0:
                break
            end += size
        return Command("text", (), bytes(buf[pos:end])), end
    elif b0 == GS:
        need(2)
        op = buf[pos + 1]
        if op == ord("!"):
            need(3)
            n = buf[pos + 2]
            if n & 0x88:
                raise ValueError(f"GS ! {n:#04x}: magnification above 8 at offset {pos}")
            return Command("size", ((n >> 4) + 1, (n & 0x0F) + 1)), pos + 3
        if op == ord("B"):
            need(3)
            return Command("reverse", (buf[pos + 2] & 1,)), pos + 3
        if op == ord("("):
            need(5)
            if buf[pos + 2] != ord("k"):
                raise ValueError(f"GS ( {buf[pos + 2]:#x} is not GS ( k at offset {pos}")
            length = buf[pos + 3] | buf[pos + 4] << 8
            need(5 + length)
            body = bytes(buf[pos + 5 : pos + 5 + length])
            if length < 2 or body[0] != 49:
                raise ValueError(f"GS ( k for a symbol other than QR at offset {pos}")
            return Command("qr", (body[1],), body[2:]), pos + 5 + length
        if op == ord("v"):
            need(8)
            if buf[pos + 2] != ord("0"):
                raise ValueError(f"GS v {buf[pos + 2]:#x} is not GS v 0")
            mode = buf[pos + 3]
            width_bytes = buf[pos + 4] | buf[pos + 5] << 8
            rows = buf[pos + 6] | buf[pos + 7] << 8
            size = width_bytes * rows
            need(8 + size)
            data = buf[pos + 8 : pos + 8 + size]
            return Command("raster", (mode, width_bytes, rows), data), pos + 8 + size
        if op == ord("V"):
            need(3)
            m = buf[pos + 2]
            if m in (0, 1, 48, 49):
                return Command("cut", (m,)), pos + 3
            if m in (65, 66):
                need(4)
                return Command("cut", (m, buf[pos + 3])), pos + 4
    elif b0 == DLE:
        need(3)
        if buf[pos + 1] == EOT:
            return Command("status_query", (buf[pos + 2],)), pos + 3
    raise ValueError(f"unexpected byte {b0:#04x} at offset {pos}: {buf[pos : pos + 8].hex(' ')}")


def _char_length(buf: bytes, pos: int) -> int:
    """Bytes of the printable character at ``pos`` (ASCII, GB18030 2 or 4 bytes); 0 if none.

    Raises Incomplete when the buffer ends inside a multi-byte character.
    """
    b0 = buf[pos]
    if 0x20 <= b0 <= 0x7E:
        return 1
    if not 0x81 <= b0 <= 0xFE:
        return 0
    if pos + 1 >= len(buf):
        raise Incomplete
    b1 = buf[pos + 1]
    if 0x40 <= b1 <= 0xFE and b1 != 0x7F:
        return 2
    if 0x30 <= b1 <= 0x39:
        if pos + 3 >= len(buf):
            raise Incomplete
        if 0x81 <= buf[pos + 2] <= 0xFE and 0x30 <= buf[pos + 3] <= 0x39:
            return 4
    raise ValueError(f"bad GB18030 sequence at offset {pos}: {buf[pos : pos + 4].hex(' ')}")


def parse(stream: bytes) -> list[Command]:
    """Decode a complete stream; raises on unknown or truncated commands."""
    commands, pos = [], 0
    while pos < len(stream):
        try:
            command, pos = _parse_one(stream, pos)
        except Incomplete:
            raise ValueError(f"stream truncated inside a command at offset {pos}") from None
        commands.append(command)
    return commands


def raster_image(commands: list[Command], feed_units_per_dot: int | None = None) -> Image.Image:
    """Stack every GS v 0 band into one mode "1" image (printed dot -> black 0).

    ESC J feeds between bands become blank rows (``feed_units_per_dot`` units each).
    """
    bands = [c for c in commands if c.name in ("raster", "feed_units")]
    if not any(c.name == "raster" for c in bands):
        raise ValueError("no raster image in the stream")
    widths = {c.args[1] for c in bands if c.name == "raster"}
    if len(widths) != 1:
        raise ValueError(f"bands of different widths: {widths}")
    width_bytes = widths.pop()
    rows = 0
    for c in bands:
        if c.name == "raster":
            rows += c.args[2]
        else:
            if feed_units_per_dot is None or c.args[0] % feed_units_per_dot:
                raise ValueError(f"ESC J {c.args[0]} is not whole dot rows")
            rows += c.args[0] // feed_units_per_dot
    image = Image.new("1", (width_bytes * 8, rows), 1)
    pixels = image.load()
    assert pixels is not None
    y = 0
    for band in bands:
        if band.name == "feed_units":
            y += band.args[0] // (feed_units_per_dot or 1)
            continue
        if band.args[0] != 0:
            raise ValueError(f"raster mode {band.args[0]} is not normal density")
        for row in range(band.args[2]):
            line = band.data[row * width_bytes : (row + 1) * width_bytes]
            for xb, byte in enumerate(line):
                if not byte:
                    continue
                for bit in range(8):
                    if byte & (0x80 >> bit):  # MSB first, 1 = print a dot
                        pixels[xb * 8 + bit, y] = 0
            y += 1
    return image


@dataclass(frozen=True)
class PrintedLine:
    """One line of a native ticket as the printer would print it."""

    text: str
    size: tuple[int, int]  # (width, height) magnification
    bold: bool
    align: int  # 0 left, 1 centre, 2 right
    reverse: bool


def native_lines(commands: list[Command]) -> list[PrintedLine]:
    """The text lines of a native ticket, decoded from GB18030 in Chinese mode.

    Hanzi outside Chinese mode (FS &) are an error: the printer would print them as two
    code-page characters each.
    """
    lines: list[PrintedLine] = []
    size, bold, align, reverse, chinese = (1, 1), False, 0, False, False
    pending = b""
    for c in commands:
        if c.name == "init":
            size, bold, align, reverse, chinese = (1, 1), False, 0, False, False
        elif c.name == "chinese_on":
            chinese = True
        elif c.name == "chinese_off":
            chinese = False
        elif c.name == "size":
            size = (c.args[0], c.args[1])
        elif c.name == "bold":
            bold = bool(c.args[0])
        elif c.name == "align":
            align = c.args[0]
        elif c.name == "reverse":
            reverse = bool(c.args[0])
        elif c.name == "text":
            if not chinese and any(b >= 0x80 for b in c.data):
                raise ValueError(f"multi-byte text outside Chinese mode: {c.data!r}")
            pending += c.data
        elif c.name == "lf":
            lines.append(PrintedLine(pending.decode("gb18030"), size, bold, align, reverse))
            pending = b""
    if pending:
        raise ValueError(f"text never printed (no LF after it): {pending!r}")
    return lines


@dataclass(frozen=True)
class QrCode:
    payload: bytes
    module_dots: int
    error_correction: str  # L, M, Q, H
    printed: bool


def qr_codes(commands: list[Command]) -> list[QrCode]:
    """Every QR code stored (fn 80) with the module size and error correction in force."""
    codes: list[QrCode] = []
    module, ec, stored = 3, "L", None
    for c in commands:
        if c.name != "qr":
            continue
        fn = c.args[0]
        if fn == 65 and c.data not in (b"\x31\x00", b"\x32\x00"):
            raise ValueError(f"QR model {c.data!r}")
        if fn == 67:
            module = c.data[0]
            if not 1 <= module <= 16:
                raise ValueError(f"QR module size {module}")
        elif fn == 69:
            ec = {48: "L", 49: "M", 50: "Q", 51: "H"}[c.data[0]]
        elif fn == 80:
            if c.data[:1] != b"\x30":
                raise ValueError("QR store with m != 48")
            stored = c.data[1:]
        elif fn == 81:
            if stored is None:
                raise ValueError("QR printed before anything was stored")
            codes.append(QrCode(stored, module, ec, True))
    return codes


def images_equal(a: Image.Image, b: Image.Image) -> bool:
    """Pixel-for-pixel equality of two 1-bit images (size included)."""
    return a.size == b.size and a.convert("1").tobytes() == b.convert("1").tobytes()


# -- a network printer on 127.0.0.1 -------------------------------------------------------------


@dataclass
class Connection:
    received: bytearray = field(default_factory=bytearray)
    queries: list[int] = field(default_factory=list)
    replies: list[int] = field(default_factory=list)
    closed_by_printer: bool = False


class PrinterScript:
    """What the simulated printer answers; tests change it between calls."""

    def __init__(self) -> None:
        self.online = ONLINE
        self.paper: list[int] = [PAPER_OK]  # one per DLE EOT 4, the last one repeats
        self.silent = False
        self.close_after_bytes: int | None = None

    def paper_reply(self, nth: int) -> int:
        return self.paper[min(nth, len(self.paper) - 1)]


class PrinterModel:
    """The printer's side of one connection: records the bytes, answers DLE EOT queries."""

    def __init__(self, script: PrinterScript) -> None:
        self.script = script
        self.conn = Connection()
        self._pending = b""
        self._paper_queries = 0

    def receive(self, chunk: bytes) -> bytes:
        """Take bytes from the host; return the replies to send back."""
        self.conn.received += chunk
        self._pending += chunk
        replies = bytearray()
        while self._pending:
            try:
                command, used = _parse_one(self._pending, 0)
            except Incomplete:
                break
            self._pending = self._pending[used:]
            if command.name != "status_query":
                continue
            n = command.args[0]
            self.conn.queries.append(n)
            if self.script.silent:
                continue
            if n == 1:
                reply = self.script.online
            elif n == 4:
                reply = self.script.paper_reply(self._paper_queries)
                self._paper_queries += 1
            else:
                reply = 0x12
            self.conn.replies.append(reply)
            replies.append(reply)
        return bytes(replies)


class _Handler(socketserver.BaseRequestHandler):
    server: TcpPrinter

    def handle(self) -> None:
        script = self.server.script
        model = PrinterModel(script)
        sock: socket.socket = self.request
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                if script.close_after_bytes is not None:
                    room = script.close_after_bytes - len(model.conn.received)
                    if len(chunk) >= room:
                        model.conn.received += chunk[:room]
                        model.conn.closed_by_printer = True
                        break
                replies = model.receive(chunk)
                if replies:
                    sock.sendall(replies)
        except OSError:
            pass
        finally:
            if model.conn.closed_by_printer:
                # Abortive close (RST), like a printer that resets mid-job.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.server.finished.put(model.conn)


class TcpPrinter(socketserver.ThreadingTCPServer):
    """A raw-9100-style printer on 127.0.0.1:<free port>; each finished connection is put
    on ``finished`` with everything it received."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script = PrinterScript()
        self.finished: queue.Queue[Connection] = queue.Queue()
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def start(self) -> TcpPrinter:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)

    def next_connection(self, timeout_s: float = 10) -> Connection:
        """The next connection that has ended (waits for the handler, never sleeps blind)."""
        return self.finished.get(timeout=timeout_s)


class PtyPrinter:
    """A serial printer on a pseudo-terminal: ``port`` is the device path to open."""

    def __init__(self) -> None:
        self.script = PrinterScript()
        self.model = PrinterModel(self.script)
        self._master, self._slave = os.openpty()  # the slave stays open: reads never hit EIO
        tty.setraw(self._master)
        tty.setraw(self._slave)
        self.port = os.ttyname(self._slave)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> PtyPrinter:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(self._master, 65536)
            except OSError:
                return
            replies = self.model.receive(chunk)
            if replies:
                os.write(self._master, replies)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        os.close(self._master)
        os.close(self._slave)
