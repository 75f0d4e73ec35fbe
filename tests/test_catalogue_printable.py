"""A service name the printer's own font cannot print is refused when the catalogue loads."""

from pathlib import Path

import pytest

from kiosk.checkup import run_checks
from kiosk.config import Config, KioskSection, LoadedConfig, PrinterSection, load_catalogue
from kiosk.domain.catalogue import CatalogueError

CATALOGUE = """
[[service]]
code = "medical_insurance"
prefix = "A"
name_zh = "医疗保险"
name_en = "Medical Insurance"
location_zh = "1-3号窗口"
location_en = "Windows 1-3"

[[service]]
code = "rare_name"
prefix = "B"
name_zh = "{name}"
name_en = "Rare"
location_zh = "4号窗口"
location_en = "Window 4"
"""


def _loaded(tmp_path: Path, name: str, charset: str = "gb18030") -> LoadedConfig:
    path = tmp_path / "catalogue.toml"
    path.write_text(CATALOGUE.format(name=name), encoding="utf-8")
    kiosk = KioskSection(data_dir=tmp_path / "data", log_dir=tmp_path / "logs", catalogue=path)
    printer = PrinterSection(transport="preview", preview_dir=tmp_path / "p", charset=charset)
    return LoadedConfig(Config(kiosk=kiosk, printer=printer), source=None, demo=False)


def test_a_name_outside_gb18030_is_rejected_with_the_entry_named(tmp_path: Path) -> None:
    loaded = _loaded(tmp_path, "𠀾籍业务")  # U+2003E, CJK Extension B: no printer has it
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(loaded)
    message = str(caught.value)
    assert "catalogue.toml: service #2 (rare_name): 'name_zh'" in message
    assert "U+2003E" in message and "gb18030" in message
    check = {r.name: r for r in run_checks(loaded)}["config"]  # kiosk check says it too
    assert check.level == "FAIL" and "rare_name" in check.detail


def test_gb2312_printers_get_the_stricter_check(tmp_path: Path) -> None:
    assert len(load_catalogue(_loaded(tmp_path, "朱镕基路办事处"))) == 2  # 镕 is in GBK
    with pytest.raises(CatalogueError, match=r"service #2 \(rare_name\).*'镕' \(U\+9555\)"):
        load_catalogue(_loaded(tmp_path, "朱镕基路办事处", charset="gb2312"))
