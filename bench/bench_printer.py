"""Ticket printing benchmark: render + encode time, bytes per ticket, time on the wire.

    .venv/bin/python bench/bench_printer.py [--quick] [--rounds N]

For 58 mm (384 dots, POS-5890) and 80 mm (576 dots, TM-T20II) tickets, normal, priority
and reprint, each round renders a ticket with a new number and a new ticket id (so no
cache hides the QR code or the number) and encodes it to the exact ESC/POS bytes.

- render + encode: median and p95 per ticket (target: median < 50 ms); the first ticket
  after start-up (fonts loading) is reported apart.
- bytes per ticket, and the time those bytes need on a 115200-baud serial line (8N1: 10
  bits a byte; 19200 baud, the settings' default, beside it) and on a 9100 socket: a real
  send to a printer on 127.0.0.1 the way ``EscposTicketPrinter`` does it (connect, the
  ticket, the confirming status query), plus the bare transfer time at 10 and 100 Mbit/s.
- paper time: how long the printer needs to print it at a typical speed, for scale.
"""

from __future__ import annotations

import argparse
import os
import socket
import socketserver
import statistics
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

os.environ.setdefault(
    "ESCPOS_CAPABILITIES_PICKLE_DIR", os.path.join(tempfile.gettempdir(), "bench-escpos")
)
os.makedirs(os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"], exist_ok=True)

from printer.commands import encode_ticket  # noqa: E402
from printer.samples import sample_ticket  # noqa: E402
from printer.ticket import TicketContent, TicketFonts, render_ticket  # noqa: E402

FONTS = Path(__file__).resolve().parents[1] / "assets" / "fonts"
TARGET_MS = 50.0
PAPERS = {58: (384, "POS-5890", 90), 80: (576, "TM-T20II", 200)}  # dots, profile, mm/s


@dataclass
class Figures:
    render_ms: list[float]
    encode_ms: list[float]
    sizes: list[int]
    heights: list[int]
    payloads: list[bytes]

    @property
    def total_ms(self) -> list[float]:
        return [r + e for r, e in zip(self.render_ms, self.encode_ms, strict=True)]


def _variant(kind: str, i: int) -> TicketContent:
    base = sample_ticket(priority=kind != "normal", reprint=kind == "reprint")
    prefix = "A" if kind == "normal" else "L"
    return replace(base, number=f"{prefix}{i % 1000:03d}", ticket_id=str(uuid.uuid4()))


def _measure(kind: str, width: int, profile: str, fonts: TicketFonts, rounds: int) -> Figures:
    figures = Figures([], [], [], [], [])
    for i in range(1, rounds + 1):
        content = _variant(kind, i)
        t0 = time.perf_counter()
        image = render_ticket(content, width, fonts)
        t1 = time.perf_counter()
        data = encode_ticket(image, profile)
        t2 = time.perf_counter()
        figures.render_ms.append((t1 - t0) * 1000)
        figures.encode_ms.append((t2 - t1) * 1000)
        figures.sizes.append(len(data))
        figures.heights.append(image.height)
        if len(figures.payloads) < 20:
            figures.payloads.append(data)
    return figures


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


class _Sink(socketserver.BaseRequestHandler):
    """A 9100 printer that swallows the job and answers DLE EOT 4 with 'paper present'."""

    def handle(self) -> None:
        sock: socket.socket = self.request
        tail = b""
        while chunk := sock.recv(262144):
            tail = (tail + chunk)[-3:]
            if tail == b"\x10\x04\x04":
                sock.sendall(b"\x12")


def _network_send_ms(payloads: list[bytes]) -> list[float]:
    """Per ticket over a real socket on 127.0.0.1, as EscposTicketPrinter does it: connect,
    send the ticket, ask DLE EOT 4 and wait for the reply, close."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Sink)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        times = []
        for data in payloads:
            t0 = time.perf_counter()
            with socket.create_connection(server.server_address[:2], timeout=3) as sock:
                sock.sendall(data)
                sock.sendall(b"\x10\x04\x04")
                if sock.recv(16) != b"\x12":
                    raise RuntimeError("sink did not confirm")
            times.append((time.perf_counter() - t0) * 1000)
        return times
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="30 rounds instead of 200")
    parser.add_argument("--rounds", type=int, default=None)
    args = parser.parse_args(argv)
    rounds = args.rounds or (30 if args.quick else 200)

    fonts = TicketFonts.from_dir(FONTS)
    t0 = time.perf_counter()
    first = encode_ticket(render_ticket(_variant("normal", 0), 576, fonts), "TM-T20II")
    cold_ms = (time.perf_counter() - t0) * 1000
    print(f"first ticket after start (font loading, escpos import done): {cold_ms:.1f} ms")
    print(f"rounds per variant: {rounds}\n")

    all_pass = True
    header = (
        f"{'ticket':<18}{'render':>9}{'encode':>9}{'total':>9}{'p95':>9}  "
        f"{'target':<10}{'bytes':>8}{'dots':>6}"
    )
    print(header)
    print("-" * len(header))
    rows = []
    for paper_mm, (width, profile, speed) in PAPERS.items():
        for kind in ("normal", "priority", "reprint"):
            f = _measure(kind, width, profile, fonts, rounds)
            total = statistics.median(f.total_ms)
            ok = total < TARGET_MS
            all_pass &= ok
            size = int(statistics.median(f.sizes))
            height = int(statistics.median(f.heights))
            rows.append((paper_mm, kind, size, height, speed, f.payloads))
            print(
                f"{f'{paper_mm} mm {kind}':<18}"
                f"{statistics.median(f.render_ms):>7.1f}ms{statistics.median(f.encode_ms):>7.1f}ms"
                f"{total:>7.1f}ms{_p95(f.total_ms):>7.1f}ms  "
                f"{'<50 ms ' + ('PASS' if ok else 'MISS'):<10}{size:>8,}{height:>6}"
            )
    del first

    print("\ntime on the wire per ticket (bytes x 10 bits at the baud rate; network measured)")
    header = (
        f"{'ticket':<18}{'115200 Bd':>11}{'19200 Bd':>10}{'9100 lo':>10}"
        f"{'100 Mbit':>10}{'10 Mbit':>9}{'paper':>16}"
    )
    print(header)
    print("-" * len(header))
    for paper_mm, kind, size, height, speed, payloads in rows:
        send = statistics.median(_network_send_ms(payloads))
        print(
            f"{f'{paper_mm} mm {kind}':<18}"
            f"{size * 10 / 115200 * 1000:>9.0f}ms"
            f"{size * 10 / 19200 * 1000:>8.0f}ms"
            f"{send:>8.1f}ms"
            f"{size * 8 / 100e6 * 1000:>8.1f}ms"
            f"{size * 8 / 10e6 * 1000:>7.0f}ms"
            f"{height / 8 / speed * 1000:>8.0f}ms @{speed}mm/s"
        )
    print(
        "\n9100 lo = measured on 127.0.0.1: connect, send, confirming DLE EOT 4 round trip, "
        "close.\nA real printer takes bytes only as fast as it prints (its buffer is a few KB):"
        "\nthe paper column, not the link, bounds a network ticket."
    )
    print(
        f"\nrender + encode target (median < {TARGET_MS:.0f} ms): {'PASS' if all_pass else 'MISS'}"
    )
    return 0 if all_pass else 1


if __name__ == "__main__":
    sys.exit(main())
