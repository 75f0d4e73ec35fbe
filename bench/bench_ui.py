"""UI responsiveness: the longest event-loop stall while the kiosk prints and speaks,
the time from a tap to the number on screen and to the paper, and the time from launch
to the home screen.

    .venv/bin/python bench/bench_ui.py [--rounds 20] [--paper-mm-s 150] [--only-number]

Stall: a 5 ms probe timer runs on the GUI thread while a scripted flow issues tickets
through the real preview printer (render + ESC/POS + files), identifies cards from a fake
reader against the real roster store, and speaks through real espeak-ng. The longest gap
between probe ticks, minus the 5 ms period, is the stall (target < 50 ms).
Tap -> number: a printer stand-in (PacedPrinter) takes the real ticket bytes (image mode,
80 mm) as a printer does: over a link of a given speed into a 4 KB buffer that empties
at the paper speed, the write returning when the last byte is on paper. For USB,
network and serial links: a tap on "normal ticket" to the number painted on the ticket
screen (target < 100 ms, whatever the printer), and to the paper out.
Launch: `kiosk --demo` in a subprocess (offscreen), from spawn to its "home screen shown"
log line; median of 5 launches.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
_cache = Path(tempfile.gettempdir()) / "lobby-kiosk-bench-escpos"
_cache.mkdir(exist_ok=True)
os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", str(_cache))

from datetime import date  # noqa: E402

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402

from idreader.testing import make_card  # noqa: E402

STALL_TARGET_MS = 50
LAUNCH_TARGET_S = 3.0
NUMBER_TARGET_MS = 100
PROBE_MS = 5
PRINTER_BUFFER_BYTES = 4096
#: Link speeds in bytes per second (what the wire carries, not the nominal rate).
LINKS = {
    "USB (full speed)": 1_000_000,
    "network (100 Mbit)": 10_000_000,
    "serial 115200 baud": 115_200 // 10,
    "serial 19200 baud": 19_200 // 10,
}


class PacedPrinter:
    """A printer stand-in: real ticket bytes through a link of ``link_bps`` into a
    4 KB buffer that the print head empties at ``paper_mm_s``; ``print_ticket``
    returns when the last byte is on paper (as a blocking write to a real one does)."""

    def __init__(self, link_bps: float, paper_mm_s: float, mode: str = "image") -> None:
        from printer.encoder import TicketEncoder
        from printer.ticket import TicketFonts

        fonts = TicketFonts.from_dir(Path(__file__).resolve().parents[1] / "assets" / "fonts")
        self._encoder = TicketEncoder("TM-T20II", fonts, mode=mode)
        self.link_bps = link_bps
        self.paper_mm_s = paper_mm_s
        self.sizes: list[int] = []

    def status(self):  # type: ignore[no-untyped-def]
        from printer.status import PrinterStatus

        return PrinterStatus.READY

    def check_status(self):  # type: ignore[no-untyped-def]
        from printer.status import StatusReading

        return StatusReading(self.status(), "paced stand-in")

    def describe(self) -> str:
        return f"paced stand-in, link {self.link_bps:.0f} B/s, paper {self.paper_mm_s} mm/s"

    def close(self) -> None:
        pass

    def print_ticket(self, content) -> None:  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        ticket = self._encoder.encode(content)
        data = ticket.data
        self.sizes.append(len(data))
        drain_bps = len(data) / ticket.length_mm * self.paper_mm_s  # bytes printed per s
        # A virtual timeline: each 256-byte piece arrives over the link when there is
        # room in the buffer; the head empties the buffer at paper speed.
        now, level = time.perf_counter() - start, 0.0
        for offset in range(0, len(data), 256):
            piece = len(data[offset : offset + 256])
            now += piece / self.link_bps
            room_needed = level + piece - PRINTER_BUFFER_BYTES
            if room_needed > 0:
                now += room_needed / drain_bps
                level -= room_needed
            level += piece
            level = max(0.0, level - (piece / self.link_bps) * drain_bps)
            ahead = now - (time.perf_counter() - start)
            if ahead > 0.005:
                time.sleep(ahead)
        now += level / drain_bps  # the rest of the buffer onto paper
        ahead = now - (time.perf_counter() - start)
        if ahead > 0:
            time.sleep(ahead)


class Probe:
    def __init__(self) -> None:
        self.gaps: list[float] = []
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(PROBE_MS)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append((now - self._last) * 1000 - PROBE_MS)
        self._last = now

    def start(self) -> None:
        self._last = time.perf_counter()
        self.timer.start()


def wait_for(signal, timeout_ms: int = 20_000):  # type: ignore[no-untyped-def]
    loop = QEventLoop()
    got: list[object] = []
    signal.connect(lambda *args: (got.append(args), loop.quit()))
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    if not got:
        raise TimeoutError(f"{signal} not emitted")
    return got[0]


def stall_run(rounds: int) -> list[float]:
    from kiosk.app import build_kiosk
    from kiosk.services.speech import Pyttsx3Speaker, VoiceSettings
    from kiosk.testing import build_rig

    with tempfile.TemporaryDirectory() as folder:
        rig = build_rig(Path(folder), fake_printer=False)
        rig.kiosk.shutdown()  # rebuild with a real speaker on the same files
        loaded = rig.kiosk.loaded
        readers = []

        def reader_factory(on_card, on_state, on_error):  # type: ignore[no-untyped-def]
            from idreader.fake import FakeCardReader

            reader = FakeCardReader(on_card=on_card, on_state=on_state, on_card_error=on_error)
            readers.append(reader)
            return reader

        speaker = Pyttsx3Speaker(VoiceSettings())
        kiosk = build_kiosk(loaded, clock=rig.clock, reader=reader_factory, speaker=speaker)
        w = kiosk.window
        w.resize(1920, 1080)
        w.show()
        w.warm_up()  # as show_kiosk() does at start-up
        kiosk.start()
        reader = readers[0]
        probe = Probe()
        probe.start()
        medical = kiosk.catalogue.by_code("medical_insurance")
        for i in range(rounds):
            w.go_home()
            w.choose_service(medical)  # offer screen
            card = make_card(birth_date=date(1950 + i % 20, 1, 1), seed=100 + i)
            reader.lay(card)  # identify (roster + age rule) -> L ticket printed -> spoken
            wait_for(kiosk.tickets.ticket_issued)
            w.go_home()
            w.choose_service(medical)
            w._normal_for_chosen()  # a normal ticket
            wait_for(kiosk.tickets.ticket_issued)
        probe.timer.stop()
        kiosk.shutdown()
        return probe.gaps


def tap_to_number_run(link_bps: float, paper_mm_s: float, rounds: int, mode: str):  # type: ignore[no-untyped-def]
    """(tap -> number painted, tap -> paper out) in ms, per ticket."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from kiosk.app import build_kiosk
    from kiosk.services.speech import Pyttsx3Speaker, VoiceSettings
    from kiosk.testing import build_rig

    with tempfile.TemporaryDirectory() as folder:
        rig = build_rig(Path(folder), fake_printer=False)
        rig.kiosk.shutdown()
        printer = PacedPrinter(link_bps, paper_mm_s, mode)
        kiosk = build_kiosk(
            rig.kiosk.loaded,
            clock=rig.clock,
            printer=printer,
            speaker=Pyttsx3Speaker(VoiceSettings()),
        )
        w = kiosk.window
        w.resize(1920, 1080)
        w.show()
        w.warm_up()
        kiosk.start()
        medical = kiosk.catalogue.by_code("medical_insurance")
        marks: dict[str, float] = {}

        def on_number(outcome) -> None:  # type: ignore[no-untyped-def]
            # Connected after the window's own slot: the ticket screen has the number.
            assert w.current() is w.ticket_screen
            assert w.ticket_screen.number.text() == outcome.ticket.number
            marks["signal"] = time.perf_counter()
            w.repaint()  # painted, not only set
            marks["number"] = time.perf_counter()

        kiosk.tickets.ticket_allocated.connect(on_number)
        number_ms, paper_ms = [], []
        for index in range(rounds + 1):  # the first (cold: first transaction) not counted
            w.go_home()
            w.choose_service(medical)
            marks.clear()
            tap = time.perf_counter()
            QTest.mouseClick(w.card_screen.normal, Qt.MouseButton.LeftButton)
            wait_for(kiosk.tickets.ticket_issued, timeout_ms=120_000)
            if index == 0:
                continue
            paper_ms.append((time.perf_counter() - tap) * 1000)
            number_ms.append((marks["number"] - tap) * 1000)
            if os.environ.get("BENCH_DETAIL"):
                print(
                    f"    signal {(marks['signal'] - tap) * 1000:.1f} ms,"
                    f" paint {(marks['number'] - marks['signal']) * 1000:.1f} ms"
                )
        kiosk.shutdown()
        return number_ms, paper_ms, statistics.median(printer.sizes)


def launch_times(runs: int) -> list[float]:
    times = []
    kiosk_bin = Path(sys.executable).with_name("kiosk")
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as home:
            env = dict(os.environ, HOME=home, XDG_DATA_HOME=f"{home}/d", XDG_STATE_HOME=home)
            env["XDG_CONFIG_HOME"] = f"{home}/c"
            start = time.perf_counter()
            proc = subprocess.Popen(
                [str(kiosk_bin), "--demo"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            assert proc.stdout is not None
            for line in proc.stdout:
                if "home screen shown" in line:
                    times.append(time.perf_counter() - start)
                    break
            proc.terminate()
            proc.wait(10)
    return times


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--launches", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--paper-mm-s", type=float, default=150.0, help="print speed")
    parser.add_argument("--tickets", type=int, default=5, help="tickets per printer link")
    parser.add_argument(
        "--only-number", action="store_true", help="only the tap -> number/paper figures"
    )
    args = parser.parse_args()
    from kiosk.app import ensure_qapplication

    ensure_qapplication()
    print(
        f"tap -> number on screen / paper out, printer stand-in: 4 KB buffer,"
        f" paper {args.paper_mm_s:.0f} mm/s, 80 mm image tickets, {args.tickets} per link"
        f" (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    for name, link_bps in LINKS.items():
        rounds = args.tickets if link_bps > 5000 else max(3, args.tickets // 2)
        number_ms, paper_ms, size = tap_to_number_run(link_bps, args.paper_mm_s, rounds, "image")
        number = statistics.median(number_ms)
        verdict = "PASS" if number < NUMBER_TARGET_MS else "MISS"
        print(
            f"  {name:<20} number {number:6.1f} ms median (max {max(number_ms):.0f})"
            f"  target < {NUMBER_TARGET_MS} ms {verdict}   paper out"
            f" {statistics.median(paper_ms) / 1000:6.2f} s median  ({size / 1024:.0f} KB)"
        )
    if args.only_number:
        return 0
    worst_per_run, p99_per_run = [], []
    for _ in range(args.repeats):
        gaps = stall_run(args.rounds)
        worst_per_run.append(max(gaps))
        p99_per_run.append(statistics.quantiles(gaps, n=100)[98])
    worst = statistics.median(worst_per_run)
    print(
        f"runs: {args.repeats} x {args.rounds * 2} tickets (half priority by card),"
        f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    verdict = "PASS" if worst < STALL_TARGET_MS else "MISS"
    print(
        f"longest event-loop stall: {worst:6.1f} ms median of runs"
        f" ({', '.join(f'{w:.0f}' for w in worst_per_run)})   target < {STALL_TARGET_MS} ms"
        f"  {verdict}"
    )
    print(f"p99 probe lateness:       {statistics.median(p99_per_run):6.1f} ms median of runs")
    launches = launch_times(args.launches)
    median = statistics.median(launches)
    verdict = "PASS" if median < LAUNCH_TARGET_S else "MISS"
    print(
        f"launch to home screen:    {median:6.2f} s median of {len(launches)}"
        f" (min {min(launches):.2f}, max {max(launches):.2f})"
        f"   target < {LAUNCH_TARGET_S} s  {verdict}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
