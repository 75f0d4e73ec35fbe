import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import EXAMPLE_CONFIG, ConfigError, load_config, parse_config


def test_example_config_is_valid_and_matches_defaults():
    config = parse_config(EXAMPLE_CONFIG, Path("example.toml"))
    assert config.kiosk.number_width == 3
    assert config.printer.transport == "preview"
    assert config.reader.mode == "off"


@pytest.mark.parametrize(
    ("text", "key", "why"),
    [
        ("[kiosk]\nnumbr_width = 4\n", "kiosk.numbr_width", "unknown key"),
        ('[kiosk]\nnumber_width = "four"\n', "kiosk.number_width", "integer"),
        ("[kiosk]\nnumber_width = 9\n", "kiosk.number_width", "less than or equal"),
        ('[printer]\ntransport = "bluetooth"\n', "printer.transport", "bluetooth"),
        ('[kiosk]\ntimezone = "Mars/Olympus"\n', "kiosk.timezone", "unknown time zone"),
        ("[kiosk]\nid = 5\n", "kiosk.id", "string"),
        ("[printers]\n", "printers", "unknown key"),
        ("[kiosk\n", "", "not valid TOML"),
    ],
)
def test_bad_config_names_file_key_and_reason(tmp_path, text, key, why):
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert str(path) in message
    assert key in message
    assert why in message


def test_missing_explicit_config_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")


def test_no_config_at_all_means_demo_mode(tmp_path, monkeypatch):
    monkeypatch.setattr("kiosk.paths.default_config_path", lambda: tmp_path / "none.toml")
    monkeypatch.setattr("kiosk.paths.default_data_dir", lambda: tmp_path / "data")
    loaded = load_config(None)
    assert loaded.demo and loaded.source is None
    assert loaded.config.printer.transport == "preview"
    assert loaded.config.reader.mode == "simulator"


def _run_cli(args, home: Path, env_extra: dict[str, str] | None = None):
    env = dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / "cfg"))
    env.update(env_extra or {})
    env["XDG_DATA_HOME"] = str(home / "data")
    env["XDG_STATE_HOME"] = str(home / "state")
    env["XDG_CACHE_HOME"] = str(home / "cache")
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args], capture_output=True, text=True, env=env
    )


def test_bad_config_exits_2_and_writes_nothing(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    bad = tmp_path / "bad.toml"
    bad.write_text("[printer]\ntransport = 7\n", encoding="utf-8")
    result = _run_cli(["--config", str(bad)], home)
    assert result.returncode == 2
    assert str(bad) in result.stderr and "printer.transport" in result.stderr
    assert list(home.iterdir()) == []  # no data dir, no log, no database
    result = _run_cli(["--config", str(tmp_path / "missing.toml")], home)
    assert result.returncode == 2 and "not found" in result.stderr
    assert list(home.iterdir()) == []


def test_config_init_writes_a_valid_commented_file(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    target = tmp_path / "k.toml"
    assert _run_cli(["config", "init", str(target)], home).returncode == 0
    assert target.read_text(encoding="utf-8") == EXAMPLE_CONFIG
    assert _run_cli(["config", "init", str(target)], home).returncode == 1  # no overwrite
    check = _run_cli(["--config", str(target), "config", "check"], home)
    assert check.returncode == 0 and "OK" in check.stdout


def test_bad_catalogue_is_reported_not_a_traceback(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    catalogue = tmp_path / "cat.toml"
    catalogue.write_text('[[service]]\ncode = "x1"\nprefix = "L"\n', encoding="utf-8")
    config = tmp_path / "k.toml"
    config.write_text(
        f'[kiosk]\ncatalogue = "{catalogue}"\ndata_dir = "{tmp_path / "d"}"\n'
        f'log_dir = "{tmp_path / "logs"}"\n',
        encoding="utf-8",
    )
    env_extra = {"QT_QPA_PLATFORM": "offscreen"}
    result = _run_cli(["--config", str(config)], home, env_extra)
    assert result.returncode == 2
    assert str(catalogue) in result.stderr and "service #1" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_with_a_config_borrows_devices_never_folders_or_pin(tmp_path, monkeypatch):
    from kiosk.domain.pin import hash_pin

    monkeypatch.setattr("kiosk.paths.default_data_dir", lambda: tmp_path / "data")
    monkeypatch.setattr("kiosk.paths.default_log_dir", lambda: tmp_path / "logs")
    path = tmp_path / "kiosk.toml"
    path.write_text(
        '[kiosk]\ndata_dir = "/srv/kiosk"\n[database]\npath = "/srv/kiosk/k.db"\n'
        '[printer]\ntransport = "network"\nhost = "192.0.2.1"\npreview_dir = "/srv/p"\n'
        f'[staff]\npin_hash = "{hash_pin("135790")}"\n',
        encoding="utf-8",
    )
    loaded = load_config(path, force_demo=True)
    assert loaded.demo and loaded.source is None
    assert loaded.config.printer.host == "192.0.2.1"  # the technician's printer, for a demo
    assert loaded.database_path == tmp_path / "data" / "demo" / "kiosk.db"
    assert loaded.preview_dir == tmp_path / "data" / "demo" / "preview"
    assert loaded.log_dir == tmp_path / "logs" / "demo"
    assert loaded.key_dir.parts[-2:] == ("demo", "keys")
    assert loaded.config.staff.pin_hash == ""  # the demo PIN, never the real one


def test_missing_config_beside_a_kiosk_database_is_an_error_not_a_demo(tmp_path, monkeypatch):
    monkeypatch.setattr("kiosk.paths.default_config_path", lambda: tmp_path / "cfg" / "kiosk.toml")
    monkeypatch.setattr("kiosk.paths.default_data_dir", lambda: tmp_path / "data")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "kiosk.db").touch()
    with pytest.raises(ConfigError, match=r"kiosk\.toml: config file not found"):
        load_config(None)
    assert load_config(None, force_demo=True).demo  # an explicit demo is still allowed
