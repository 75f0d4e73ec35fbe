"""Random config and catalogue files through the real validation: `kiosk config check`
and start-up answer 0 or 2 with a message, never a traceback (a crash would be exit 1,
"failed unexpectedly")."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
import tomlkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk import cli
from kiosk.config import Config

SECTIONS = {
    name: list(field.annotation.model_fields) for name, field in Config.model_fields.items()
}
CATALOGUE_KEYS = ["code", "prefix", "name_zh", "name_en", "location_zh", "location_en", "icon"]

scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "L",
            "L\n",
            "A",
            "network",
            "usb",
            "serial",
            "line",
            "bogus://x",
            "scrypt$16384$8$1$$",
            "TM-T20II",
            "POS-5890",
            "医疗保险" * 4,
            "loop://",
            "a\x00b",
            "/",
            ".",
        ]
    ),
    st.dates(min_value=dt.date(1, 1, 1)),
    st.datetimes(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def config_tables(draw: st.DrawFn) -> dict:
    data: dict = {}
    for section in draw(st.lists(st.sampled_from([*SECTIONS, "extra"]), max_size=5, unique=True)):
        keys = [*SECTIONS.get(section, []), "typo"]
        table = draw(st.dictionaries(st.sampled_from(keys), values, max_size=5))
        data[section] = draw(st.one_of(st.just(table), values)) if section == "extra" else table
    return data


@st.composite
def catalogue_tables(draw: st.DrawFn) -> dict:
    entry = st.dictionaries(st.sampled_from([*CATALOGUE_KEYS, "colour"]), values, max_size=8)
    good = st.fixed_dictionaries(
        {
            "code": st.from_regex(r"[a-z][a-z0-9_]{1,5}", fullmatch=True),
            "prefix": st.sampled_from([*"ABCLZ", "L\n", " A"]),
            "name_zh": st.text(min_size=1, max_size=16),
            "name_en": st.text(min_size=1, max_size=40),
            "location_zh": st.text(min_size=1, max_size=10),
            "location_en": st.text(min_size=1, max_size=10),
        }
    )
    services = draw(st.one_of(st.lists(st.one_of(entry, good), max_size=4), values))
    data: dict = {"service": services}
    if draw(st.booleans()):
        data["version"] = draw(values)
    return data


def dumps(data: object) -> bytes | None:
    try:
        return tomlkit.dumps(data).encode("utf-8", "surrogatepass")
    except Exception:  # a structure TOML cannot hold (tomlkit refuses): not a file
        return None


@st.composite
def config_files(draw: st.DrawFn) -> tuple[bytes, bytes | None]:
    """A config file and maybe a catalogue file it names (or random bytes for either)."""
    if draw(st.integers(0, 5)) == 0:
        return draw(st.binary(max_size=200)), None
    data = draw(config_tables())
    catalogue = draw(
        st.one_of(st.none(), st.builds(dumps, catalogue_tables()), st.binary(max_size=200))
    )
    if catalogue is not None and isinstance(data.setdefault("kiosk", {}), dict):
        data["kiosk"]["catalogue"] = CATALOGUE_MARK
    text = dumps(data)
    if text is None:
        return draw(st.binary(max_size=200)), None
    return text, catalogue


CATALOGUE_MARK = "@catalogue@"
OUTCOMES: dict[int, int] = {}


def run_validation(config_bytes: bytes, catalogue_bytes: bytes | None, capsys) -> None:
    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as patch:
        root = Path(folder)
        started: list[object] = []
        patch.setattr("kiosk.app.run", lambda *args: started.append(args) or 0)
        config = root / "kiosk.toml"
        if catalogue_bytes is not None:
            catalogue = root / "catalogue.toml"
            catalogue.write_bytes(catalogue_bytes)
            config_bytes = config_bytes.replace(CATALOGUE_MARK.encode(), str(catalogue).encode())
        config.write_bytes(config_bytes)
        for args in (["config", "check"], []):
            code = cli.main(["--config", str(config), *args])
            err = capsys.readouterr().err
            OUTCOMES[code] = OUTCOMES.get(code, 0) + 1
            assert code in (0, 2), err
            assert "Traceback" not in err
            if code == 2:
                assert str(root) in err, err  # names the file (config or catalogue)
        assert len(started) <= 1


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(files=config_files())
def test_random_config_files_never_crash_the_check_or_the_start(files, capsys):
    run_validation(*files, capsys)


def test_a_valid_random_catalogue_is_accepted_too(tmp_path, capsys):
    """The fuzz above is not all rejections: a file it could produce passes."""
    catalogue = tmp_path / "c.toml"
    catalogue.write_bytes(
        dumps(
            {
                "service": [
                    {
                        "code": "ab",
                        "prefix": "A",
                        "name_zh": "x",
                        "name_en": "y",
                        "location_zh": "z",
                        "location_en": "w",
                    }
                ]
            }
        )
        or b""
    )
    config = tmp_path / "k.toml"
    config.write_bytes(dumps({"kiosk": {"catalogue": str(catalogue)}}) or b"")
    assert cli.main(["--config", str(config), "config", "check"]) == 0, capsys.readouterr().err
