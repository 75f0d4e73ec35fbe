"""The technician's commands, run as a technician would: a real process, real files."""

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from PIL import Image

from idreader.testing import make_id_number


def run(args, home: Path, stdin: str | None = None):
    env = dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / "cfg"))
    env["XDG_DATA_HOME"] = str(home / "data")
    env["XDG_STATE_HOME"] = str(home / "state")
    env.pop("ESCPOS_CAPABILITIES_PICKLE_DIR", None)
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        timeout=120,
    )


def test_printer_preview_writes_a_ticket_png(tmp_path):
    for mode in ("image", "native"):
        out = tmp_path / f"t-{mode}.png"
        args = ["printer", "preview", "--priority", "--width-mm", "58", "--mode", mode]
        result = run([*args, "--out", str(out)], tmp_path)
        assert result.returncode == 0, result.stderr
        with Image.open(out) as image:
            assert image.width == 384 and image.height > 400


def test_printer_test_on_the_demo_preview_printer(tmp_path):
    result = run(["--demo", "printer", "test"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Test ticket (image): sent" in result.stdout
    assert "Test ticket (native): sent" in result.stdout
    previews = sorted(p.name for p in (tmp_path / "data").rglob("preview/*.png"))
    assert len(previews) == 2 and previews[0].endswith("-native.png")  # one per mode


def test_roster_import_dry_run_then_real(tmp_path):
    good = [make_id_number(date(1950, 1, 1), sequence=i) for i in range(3)]
    bad = good[0][:-1] + ("0" if good[0][-1] != "0" else "1")  # wrong check character
    csv = tmp_path / "roster.csv"
    rows = [f"{good[0]},低保,2027-12-31", f"{good[1]},elderly,", f"{bad},低保,2027-12-31"]
    csv.write_text("id_number,category,valid_to\n" + "\n".join(rows) + "\n", encoding="utf-8")
    config = tmp_path / "k.toml"
    config.write_text(f'[kiosk]\ndata_dir = "{tmp_path / "kdata"}"\n', encoding="utf-8")

    result = run(["--config", str(config), "roster", "import", str(csv)], tmp_path)
    assert result.returncode == 1
    assert "line 4" in result.stderr  # the bad row, counting the header as line 1
    assert bad not in result.stderr + result.stdout
    info = run(["--config", str(config), "roster", "info"], tmp_path)
    assert "no roster" in info.stdout

    csv.write_text("id_number,category,valid_to\n" + "\n".join(rows[:2]) + "\n", encoding="utf-8")
    dry = run(["--config", str(config), "roster", "import", "--dry-run", str(csv)], tmp_path)
    assert dry.returncode == 0 and "dry run" in dry.stdout
    assert "no roster" in run(["--config", str(config), "roster", "info"], tmp_path).stdout

    real = run(["--config", str(config), "roster", "import", str(csv)], tmp_path)
    assert real.returncode == 0, real.stderr
    info = run(["--config", str(config), "roster", "info"], tmp_path)
    assert "2 entries" in info.stdout


def test_roster_import_warns_of_expired_and_future_rows(tmp_path):
    people = [make_id_number(date(1950, 1, 1), sequence=i) for i in range(3)]
    csv = tmp_path / "roster.csv"
    rows = [f"{people[0]},低保,,2020-01-01", f"{people[1]},低保,2099-01-01,", f"{people[2]},低保,,"]
    csv.write_text("id_number,category,valid_from,valid_to\n" + "\n".join(rows) + "\n", "utf-8")
    config = tmp_path / "k.toml"
    config.write_text(f'[kiosk]\ndata_dir = "{tmp_path / "kdata"}"\n', encoding="utf-8")
    result = run(["--config", str(config), "roster", "import", str(csv)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "1 rows already expired" in result.stderr
    assert "1 rows not yet valid" in result.stderr
    assert "1 valid today" in result.stdout
