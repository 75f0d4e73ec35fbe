"""`kiosk pin set` edits the config file in place with a format-preserving TOML library."""

import os
import tomllib

import pytest

from kiosk import cli
from kiosk.config import load_config
from kiosk.domain.pin import verify_pin

PIN = "482913"


@pytest.fixture
def typed_pin(monkeypatch):
    answers: list[str] = []
    monkeypatch.setattr("getpass.getpass", lambda prompt="": answers.pop(0))
    return answers


ORIGINAL = """\
# kiosk of the east lobby
[kiosk]
id = "K07"   # printed on tickets

[staff]   # who may open the staff panel
# set with `kiosk pin set`

[server]
url = ""
"""


def test_a_commented_staff_table_is_edited_not_duplicated(tmp_path, typed_pin, capsys):
    config = tmp_path / "kiosk.toml"
    config.write_text(ORIGINAL, encoding="utf-8")
    os.chmod(config, 0o640)
    if os.geteuid() == 0:  # root edits a file of the kiosk's user: it stays the user's
        os.chown(config, 4321, 4321)
    owner = (os.stat(config).st_uid, os.stat(config).st_gid)
    typed_pin.extend([PIN, PIN])
    assert cli.main(["--config", str(config), "pin", "set"]) == 0
    text = config.read_text(encoding="utf-8")
    assert text.count("[staff]") == 1
    for kept in (
        "# kiosk of the east lobby",
        'id = "K07"   # printed on tickets',
        "[staff]   # who may open the staff panel",
        "# set with `kiosk pin set`",
    ):
        assert kept in text
    data = tomllib.loads(text)
    assert data["kiosk"]["id"] == "K07" and data["server"]["url"] == ""
    assert verify_pin(PIN, data["staff"]["pin_hash"])
    assert os.stat(config).st_mode & 0o777 == 0o640
    assert (os.stat(config).st_uid, os.stat(config).st_gid) == owner
    assert [p.name for p in tmp_path.iterdir()] == ["kiosk.toml"]  # no temp file left
    assert load_config(config).config.staff.pin_hash == data["staff"]["pin_hash"]


@pytest.mark.parametrize(
    "original",
    [
        '[staff]\npin_hash = "scrypt$broken"  # old\n[voice]\nenabled = false\n',
        "[voice]\nenabled = false\n",
        'staff.pin_hash = ""\n',
        'staff = { pin_hash = "" }\n',
        "",
    ],
)
def test_pin_hash_is_replaced_or_added(tmp_path, typed_pin, original):
    config = tmp_path / "kiosk.toml"
    config.write_text(original, encoding="utf-8")
    typed_pin.extend([PIN, PIN])
    assert cli.main(["--config", str(config), "pin", "set"]) == 0  # even if the old is broken
    data = tomllib.loads(config.read_text(encoding="utf-8"))
    assert verify_pin(PIN, data["staff"]["pin_hash"])
    if "voice" in original:
        assert data["voice"] == {"enabled": False}


@pytest.mark.parametrize("pin", ["12345", "abcdef"])
def test_short_or_non_digit_pins_change_nothing(tmp_path, typed_pin, pin, capsys):
    config = tmp_path / "kiosk.toml"
    config.write_text(ORIGINAL, encoding="utf-8")
    typed_pin.extend([pin, pin])
    assert cli.main(["--config", str(config), "pin", "set"]) == 1
    assert "6 to 12 digits" in capsys.readouterr().err
    assert config.read_text(encoding="utf-8") == ORIGINAL


def test_a_file_that_is_not_toml_is_left_alone(tmp_path, typed_pin, capsys):
    config = tmp_path / "kiosk.toml"
    config.write_text("[staff\n", encoding="utf-8")
    typed_pin.extend([PIN, PIN])
    assert cli.main(["--config", str(config), "pin", "set"]) == 2
    assert "not valid TOML" in capsys.readouterr().err
    assert config.read_text(encoding="utf-8") == "[staff\n"
