"""One validation path: `kiosk config check`, `kiosk check` and start-up refuse the same
configs, each naming the file, the key and the reason, with exit status 2."""

import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk import cli
from kiosk.checkup import run_checks
from kiosk.config import ConfigError, load_config, validate_for_start

ENTRY = """
[[service]]
code = "{code}"
prefix = "{prefix}"
name_zh = "{name_zh}"
name_en = "Medical"
location_zh = "1号窗口"
location_en = "Window 1"
"""


def entry(code="med", prefix="A", name_zh="医疗保险"):
    return ENTRY.format(code=code, prefix=prefix, name_zh=name_zh)


@pytest.fixture
def quiet_root_logger():
    """`kiosk check` sets up file logging on the root logger; put it back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)


def write_config(tmp_path: Path, body: str, catalogue: str | None = None) -> Path:
    head = (
        f'[kiosk]\ndata_dir = "{tmp_path / "data"}"\nlog_dir = "{tmp_path / "logs"}"\n'
        "fullscreen = false\n"
    )
    if catalogue is not None:
        path = tmp_path / "catalogue.toml"
        path.write_bytes(catalogue.encode("utf-8"))
        head += f'catalogue = "{path}"\n'
    config = tmp_path / "kiosk.toml"
    config.write_text(head + "[voice]\nenabled = false\n" + body, encoding="utf-8")
    return config


# A transport whose driver this platform lacks: pywin32 exists only on Windows, and pycups
# (not a dependency) does not build there.
MISSING_DRIVER = ("cups", "pycups") if sys.platform == "win32" else ("win32raw", "pywin32")

# Each: config body, catalogue (None: the shipped one), key named, reason.
BAD = {
    "network printer without host": ('[printer]\ntransport = "network"\n', None, "host", "host"),
    "usb printer without ids": ('[printer]\ntransport = "usb"\n', None, "usb_vendor_id", "usb"),
    "serial printer without port": (
        '[printer]\ntransport = "serial"\n',
        None,
        "printer.serial_port",
        "serial_port",
    ),
    "serial printer at an odd baud rate": (
        '[printer]\ntransport = "serial"\nserial_port = "/dev/ttyS0"\nserial_baudrate = 12345\n',
        None,
        "printer.serial_baudrate",
        "12345",
    ),
    "printer timeout beyond the printer's own limit": (
        '[printer]\ntransport = "network"\nhost = "192.0.2.1"\ntimeout_s = 61\n',
        None,
        "printer.timeout_s",
        "(0, 60]",
    ),
    "unknown printer profile": ('[printer]\nprofile = "NoSuchModel"\n', None, "profile", "No"),
    "printer transport without its driver here": (
        f'[printer]\ntransport = "{MISSING_DRIVER[0]}"\n',
        None,
        "printer.transport",
        MISSING_DRIVER[1],
    ),
    "line reader without port": ('[reader]\nmode = "line"\n', None, "reader.port", "port"),
    "reader port of an unknown scheme": (
        '[reader]\nmode = "serial"\nport = "bogus://x"\n',
        None,
        "reader.port",
        "bogus",
    ),
    "PIN hash not made by pin set": (
        '[staff]\npin_hash = "1234"\n',
        None,
        "staff.pin_hash",
        "kiosk pin set",
    ),
    "PIN hash with garbage parameters": (
        '[staff]\npin_hash = "scrypt$x$8$1$c2FsdHNhbHQ=$ZGlnZXN0ZGlnZXN0ZGlnZXN0"\n',
        None,
        "staff.pin_hash",
        "kiosk pin set",
    ),
    "NUL byte in a folder name": (
        '[database]\npath = "k\\u0000.db"\n',
        None,
        "database.path",
        "not a usable path",
    ),
    "catalogue prefix with a newline": ("", entry(prefix="L\\n"), "service #1", "prefix"),
    "catalogue name too wide for the ticket": (
        "[printer]\npaper_width_mm = 58\n",
        entry(name_zh="医" * 13),
        "service #1 ('med'): name_zh",
        "does not fit on one line of 58 mm",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_config_check_and_start_refuse_the_same_config(tmp_path, case, capsys, monkeypatch):
    body, catalogue, key, why = BAD[case]
    config = write_config(tmp_path, body, catalogue)
    started = []
    monkeypatch.setattr("kiosk.app.run", lambda *args: started.append(args) or 0)
    named = str(config) if catalogue is None else str(tmp_path / "catalogue.toml")
    for args in (["config", "check"], []):
        assert cli.main(["--config", str(config), *args]) == 2, (case, args)
        err = capsys.readouterr().err
        assert named in err and key in err and why in err, (args, err)
        assert "Traceback" not in err
    assert started == []  # start-up stopped before the kiosk was built


@pytest.mark.parametrize("case", list(BAD))
def test_kiosk_check_refuses_it_too(tmp_path, case, capsys, quiet_root_logger):
    body, catalogue, key, why = BAD[case]
    config = write_config(tmp_path, body, catalogue)
    assert cli.main(["--config", str(config), "check"]) == 2
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert key in text and why in text


def test_the_check_result_is_the_startup_validation(tmp_path):
    """`kiosk check` reports what validate_for_start raises, word for word."""
    config = write_config(tmp_path, "", entry(code="x", prefix="A"))
    loaded = load_config(config)
    with pytest.raises(ConfigError) as raised:
        validate_for_start(loaded)
    results = {r.name: r for r in run_checks(loaded)}
    assert results["config"].level == "FAIL"
    assert results["config"].detail == str(raised.value)


def test_limits_come_from_the_printer_settings(tmp_path, capsys):
    """A timeout the printer accepts (45 s; the config used to stop at 30) is accepted."""
    config = write_config(
        tmp_path, '[printer]\ntransport = "network"\nhost = "h"\ntimeout_s = 45\n'
    )
    assert cli.main(["--config", str(config), "config", "check"]) == 0
    assert "network h:9100" in capsys.readouterr().out


def test_a_good_config_passes_all_three(tmp_path, capsys, monkeypatch):
    config = write_config(tmp_path, "", entry())
    started = []
    monkeypatch.setattr("kiosk.app.run", lambda *args: started.append(args) or 0)
    assert cli.main(["--config", str(config), "config", "check"]) == 0
    assert cli.main(["--config", str(config)]) == 0
    assert len(started) == 1


def test_start_up_with_a_bad_printer_is_a_message_not_a_traceback(tmp_path):
    config = write_config(tmp_path, '[printer]\ntransport = "network"\n')
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(config)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2
    assert f"{config}" in result.stderr and "printer.host" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()  # nothing written


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_read_status_false_is_accepted_and_reaches_the_printer_check(tmp_path):
    body = (
        f'[printer]\ntransport = "network"\nhost = "127.0.0.1"\nport = {closed_port()}\n'
        "timeout_s = 0.5\nread_status = false\n"
    )
    loaded = load_config(write_config(tmp_path, body))
    assert loaded.printer_settings.read_status is False
    results = {r.name: r for r in run_checks(loaded)}
    printer = results["printer"]
    assert printer.level == "WARN", printer  # not asked, so not reported offline
    assert "read_status = false" in printer.detail
