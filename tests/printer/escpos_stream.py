"""Test-side ESC/POS: a strict decoder of the command subset tickets use, written from the
Epson command reference (not from python-escpos), and a TCP printer that answers status.

The decoder raises on any byte it does not understand, so stray bytes fail the tests.
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

ESC, GS, DLE, EOT = 0x1B, 0x1D, 0x10, 0x04

# Real-time status replies (DLE EOT n): bits 1 and 4 are always set.
ONLINE = 0x12
OFFLINE = 0x1A  # bit 3: offline
PAPER_OK = 0x12
PAPER_NEAR_END = 0x1E  # bits 2-3: near-end sensor
PAPER_OUT = 0x72  # bits 5-6: paper end sensor


@dataclass(frozen=True)
class Command:
    name: str  # "init", "raster", "feed", "cut", "status_query"
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
        if op == ord("d"):
            need(3)
            return Command("feed", (buf[pos + 2],)), pos + 3
    elif b0 == GS:
        need(2)
        op = buf[pos + 1]
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


def raster_image(commands: list[Command]) -> Image.Image:
    """Stack every GS v 0 band into one mode "1" image (printed dot -> black 0)."""
    bands = [c for c in commands if c.name == "raster"]
    if not bands:
        raise ValueError("no raster image in the stream")
    widths = {c.args[1] for c in bands}
    if len(widths) != 1:
        raise ValueError(f"bands of different widths: {widths}")
    width_bytes = widths.pop()
    rows = sum(c.args[2] for c in bands)
    image = Image.new("1", (width_bytes * 8, rows), 1)
    pixels = image.load()
    assert pixels is not None
    y = 0
    for band in bands:
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
