"""The frozen app (dist/kiosk, from `python3 -m kiosk.bootstrap build`): size, start-up
and a million-row roster import.

    python3 bench/bench_frozen.py [--launches 5] [--imports 3] [--rows 1000000]

- size: the one-folder app on disk (target < 200 MB);
- cold start: `kiosk --demo` (offscreen) from spawn to its "home screen shown" log line;
  the first launch after dropping the page cache (when this user may: root on Linux),
  then the median of warm launches (target < 2 s);
- roster import: `kiosk roster import` of a 1,000,000-row CSV by the frozen app, spawn to
  exit, with worker processes (the app is its own worker), median (target < 20 s, as from
  source).
Figures are printed next to their targets; nothing here is a test.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_roster import write_roster_csv  # noqa: E402
from kiosk.bootstrap import FROZEN_APP, folder_size  # noqa: E402

SIZE_TARGET_MB = 200
START_TARGET_S = 2.0
IMPORT_TARGET_S = 20.0
KIOSK = FROZEN_APP / ("kiosk.exe" if os.name == "nt" else "kiosk")


def _env(home: str) -> dict[str, str]:
    env = dict(os.environ, HOME=home, QT_QPA_PLATFORM="offscreen")
    env.update(XDG_CONFIG_HOME=f"{home}/c", XDG_DATA_HOME=f"{home}/d", XDG_STATE_HOME=f"{home}/s")
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    return env


def _drop_page_cache() -> bool:
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def launch_s() -> float:
    with tempfile.TemporaryDirectory() as home:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [str(KIOSK), "--demo"],
            env=_env(home),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert proc.stdout is not None
        took = float("nan")
        for line in proc.stdout:
            if "home screen shown" in line:
                took = time.perf_counter() - start
                break
        proc.terminate()
        proc.wait(10)
        return took


def import_s(csv_path: Path) -> float:
    with tempfile.TemporaryDirectory() as home:
        config = Path(home) / "kiosk.toml"
        config.write_text(f'[kiosk]\ndata_dir = "{home}/data"\nlog_dir = "{home}/logs"\n')
        start = time.perf_counter()
        done = subprocess.run(
            [str(KIOSK), "--config", str(config), "roster", "import", str(csv_path)],
            env=_env(home),
            capture_output=True,
            text=True,
        )
        took = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"import failed: {done.stderr}")
        log = "".join(p.read_text() for p in Path(home, "logs").glob("*.log*"))
        if "processes" not in log:
            print("  note: the import log names no worker processes")
        return took


def _line(name: str, value: str, target: str, ok: bool) -> None:
    print(f"{name:<34} {value:>12}   target {target:<8} {'PASS' if ok else 'MISS'}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--launches", type=int, default=5)
    parser.add_argument("--imports", type=int, default=3)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    if not KIOSK.exists():
        print(f"no frozen app at {KIOSK}: run python3 -m kiosk.bootstrap build")
        return 1
    print(f"{KIOSK}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    size_mb = folder_size(FROZEN_APP) / 1e6
    _line("bundle size", f"{size_mb:.0f} MB", f"< {SIZE_TARGET_MB} MB", size_mb < SIZE_TARGET_MB)

    cold = launch_s() if _drop_page_cache() else None
    warm = [launch_s() for _ in range(args.launches)]
    if cold is not None:
        _line(
            "cold start (page cache dropped)",
            f"{cold:.2f} s",
            f"< {START_TARGET_S} s",
            cold < START_TARGET_S,
        )
    median = statistics.median(warm)
    _line(
        f"start to home screen (median of {len(warm)})",
        f"{median:.2f} s",
        f"< {START_TARGET_S} s",
        median < START_TARGET_S,
    )

    with tempfile.TemporaryDirectory() as folder:
        csv_path = Path(folder) / "roster.csv"
        write_roster_csv(csv_path, args.rows)
        times = [import_s(csv_path) for _ in range(args.imports)]
    median = statistics.median(times)
    _line(
        f"roster import {args.rows:,} rows (median of {len(times)})",
        f"{median:.1f} s",
        f"< {IMPORT_TARGET_S:.0f} s",
        median < IMPORT_TARGET_S,
    )
    print("  runs: " + ", ".join(f"{t:.1f} s" for t in times))
    return 0


if __name__ == "__main__":
    sys.exit(main())
