"""UI responsiveness: the longest event-loop stall while the kiosk prints and speaks,
and the time from launch to the home screen.

    .venv/bin/python bench/bench_ui.py [--rounds 20]

Stall: a 5 ms probe timer runs on the GUI thread while a scripted flow issues tickets
through the real preview printer (render + ESC/POS + files), identifies cards from a fake
reader against the real roster store, and speaks through real espeak-ng. The longest gap
between probe ticks, minus the 5 ms period, is the stall (target < 50 ms).
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
PROBE_MS = 5


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
    args = parser.parse_args()
    from kiosk.app import ensure_qapplication

    ensure_qapplication()
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
