import json

import pytest

from kiosk.domain.catalogue import CatalogueError, parse_catalogue
from kiosk.domain.numbering import valid_prefix
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


def _entry(**values):
    fields = {
        "code": "med",
        "prefix": "A",
        "name_zh": "医疗保险",
        "name_en": "Medical",
        "location_zh": "1号窗口",
        "location_en": "Window 1",
    }
    fields.update(values)
    return "[[service]]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in fields.items())


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        # "L\n" used to pass the prefix check and be stripped to L: the priority counter.
        ([_entry(prefix="L\n")], r"service #1 \('med'\): 'prefix' 'L\\n'"),
        ([_entry(prefix="A\n")], r"service #1 \('med'\): 'prefix'"),
        ([_entry(prefix=" B")], r"service #1 \('med'\): .*prefix"),
        ([_entry(code="med\n")], r"service #1 \('med\\n'\): .*code"),
        ([_entry(), _entry(code="med ", prefix="B")], r"service #2 \('med '\): .*code"),
        ([_entry(name_zh="医疗保险\n")], r"service #1 \('med'\): 'name_zh'.*line break"),
        ([_entry(name_en=" Medical")], r"service #1 \('med'\): 'name_en'.*spaces"),
        ([_entry(location_zh="1号\u200b窗口")], r"service #1 \('med'\): 'location_zh'.*control"),
        ([_entry(name_en="M" * 61)], r"service #1 \('med'\): 'name_en' is longer than 60"),
        ([_entry(), _entry(prefix="B")], r"service #2 \('med'\): duplicate code"),
    ],
)
def test_values_are_checked_as_given(entries, message):
    with pytest.raises(CatalogueError, match=message):
        parse_catalogue("\n".join(entries), "cat.toml")


def test_values_are_kept_as_given():
    catalogue = parse_catalogue(_entry(name_en="Medical  Insurance"), "cat.toml")
    assert catalogue.by_code("med").name_en == "Medical  Insurance"


@pytest.mark.parametrize("prefix", ["L\n", "A\n", "AB", "", "a", "Ａ"])
def test_a_prefix_is_one_capital_letter_exactly(prefix):
    assert not valid_prefix(prefix)
    assert valid_prefix("A")
