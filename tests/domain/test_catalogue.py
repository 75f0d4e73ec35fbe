import pytest

from kiosk.domain.catalogue import CatalogueError, parse_catalogue
from kiosk.paths import assets_dir


def test_shipped_catalogue_has_eight_bilingual_services():
    catalogue = parse_catalogue((assets_dir() / "catalogue.toml").read_text("utf-8"))
    assert len(catalogue) >= 8
    prefixes = [s.prefix for s in catalogue]
    assert len(set(prefixes)) == len(prefixes) and "L" not in prefixes
    for service in catalogue:
        assert service.name_zh and service.name_en and service.location_zh


ENTRY = """
[[service]]
code = "{code}"
prefix = "{prefix}"
name_zh = "医疗保险"
name_en = "Medical"
location_zh = "1号窗口"
location_en = "Window 1"
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "at least one"),
        (ENTRY.format(code="med", prefix="L"), "reserved"),
        (ENTRY.format(code="med", prefix="a"), "capital"),
        (ENTRY.format(code="Med!", prefix="A"), "lower-case"),
        (ENTRY.format(code="a1", prefix="A") + ENTRY.format(code="a1", prefix="B"), "duplicate"),
        (ENTRY.format(code="a1", prefix="A") + ENTRY.format(code="b1", prefix="A"), "already"),
        (ENTRY.format(code="a1", prefix="A") + "colour = 1\n", "unknown key"),
        ("[[service]\n", "TOML"),
    ],
)
def test_bad_catalogue_is_rejected_with_reason(text, message):
    with pytest.raises(CatalogueError, match=message):
        parse_catalogue(text, "cat.toml")
