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


# -- opening hours, last issue, extended days, quota, priority location ---------------------

HOURS = '{ mon = "08:30-17:00", tue = "08:30-17:00", thu = "08:30-17:00" }'


def _scheduled(extra: str):
    return parse_catalogue(_entry() + extra, "cat.toml").by_code("med")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('hours = { mon = "8:30-17:00" }\n', r"'hours.mon' '8:30' must be a time as HH:MM"),
        ('hours = { monday = "08:30-17:00" }\n', "days are mon, tue"),
        ('hours = { mon = "17:00-08:30" }\n', "must end after it starts"),
        ('hours = { mon = "08:30" }\n', "must be HH:MM-HH:MM"),
        ('hours = "08:30-17:00"\n', "must be a table"),
        ('last_issue = "16:30"\n', "'last_issue' needs 'hours'"),
        (f'hours = {HOURS}\nlast_issue = "24:00"\n', "last_issue"),
        (f'hours = {HOURS}\nextended = {{ thu = "16:00-19:00" }}\n', "must start after"),
        ("daily_quota = true\n", "whole number"),
        ("daily_quota = 0\n", "whole number"),
        ('daily_quota = "100"\n', "whole number"),
        ('priority_location_zh = "1号窗口"\n', "go together"),
        ('priority_location_zh = "1号窗口 "\npriority_location_en = "W1"\n', "spaces"),
    ],
)
def test_schedule_values_are_checked(extra, message):
    with pytest.raises(CatalogueError, match=message):
        _scheduled(extra)


def test_opening_hours_last_issue_and_extended_days():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Asia/Shanghai")
    service = _scheduled(
        f'hours = {HOURS}\nlast_issue = "16:30"\nextended = {{ thu = "17:00-19:00" }}\n'
        "daily_quota = 20\n"
        'priority_location_zh = "1号窗口（为老服务窗口）"\npriority_location_en = "Window 1"\n'
    )
    monday = datetime(2026, 11, 30, 7, 0, tzinfo=zone)
    early = service.availability(monday)
    assert (early.open, early.reason, early.opens_at) == (
        False,
        "not_yet",
        monday.replace(hour=8, minute=30),
    )
    assert service.availability(monday.replace(hour=9)).open
    late = service.availability(monday.replace(hour=16, minute=45))  # after the last issue
    assert (late.open, late.reason) == (False, "closed_today")
    assert late.opens_at == datetime(2026, 12, 1, 8, 30, tzinfo=zone)  # Tuesday
    tuesday_evening = service.availability(datetime(2026, 12, 1, 18, 0, tzinfo=zone))
    assert tuesday_evening.opens_at == datetime(2026, 12, 3, 8, 30, tzinfo=zone)  # no Wednesday
    assert service.availability(datetime(2026, 12, 3, 18, 0, tzinfo=zone)).open  # 延时服务
    friday = service.availability(datetime(2026, 12, 4, 10, 0, tzinfo=zone))
    assert friday.opens_at == datetime(2026, 12, 7, 8, 30, tzinfo=zone)  # next Monday
    assert service.daily_quota == 20
    assert service.priority_place("zh") == "1号窗口（为老服务窗口）"
    assert _scheduled("").priority_place("en") == "Window 1"  # none set: the usual place
    assert _scheduled("").availability(monday).open  # no hours: always open


def test_shipped_catalogue_carries_weekday_hours():
    catalogue = parse_catalogue((assets_dir() / "catalogue.toml").read_text("utf-8"))
    for service in catalogue:
        assert set(service.hours) == {"mon", "tue", "wed", "thu", "fri"}
        assert service.last_issue is not None
