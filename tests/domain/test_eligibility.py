from datetime import date

import pytest

from kiosk.domain.eligibility import (
    AgeRule,
    Category,
    RosterMatch,
    age_on,
    decide,
)

TODAY = date(2026, 11, 30)
RULE = AgeRule(enabled=True, threshold=60)


def match(category=Category.SUBSISTENCE, valid_from=None, valid_to=None):
    return RosterMatch(category, valid_from, valid_to)


def test_age_counts_birthdays_not_years():
    assert age_on(date(1966, 11, 30), TODAY) == 60
    assert age_on(date(1966, 12, 1), TODAY) == 59
    assert age_on(date(1964, 2, 29), date(2024, 2, 28)) == 59


def test_roster_match_valid_today_is_eligible_with_its_category():
    d = decide([match(valid_to=TODAY)], date(1990, 1, 1), TODAY, RULE)
    assert (d.eligible, d.reason, d.category) == (True, "roster", "subsistence")


def test_most_specific_category_wins_when_several_are_valid():
    d = decide([match(Category.ELDERLY), match(Category.EXTREME_POVERTY)], None, TODAY, RULE)
    assert d.category == "extreme_poverty"


def test_age_rule_gives_priority_at_threshold():
    d = decide([], date(1966, 11, 30), TODAY, RULE)
    assert (d.eligible, d.reason, d.category, d.age) == (True, "age", "age", 60)
    d = decide([], date(1966, 12, 1), TODAY, RULE)
    assert (d.eligible, d.reason) == (False, "not_on_roster")


def test_age_rule_can_be_switched_off_or_moved():
    assert not decide([], date(1940, 1, 1), TODAY, AgeRule(enabled=False)).eligible
    assert decide([], date(1960, 1, 1), TODAY, AgeRule(threshold=65)).eligible
    assert not decide([], date(1965, 1, 1), TODAY, AgeRule(threshold=65)).eligible


def test_expired_roster_entry_says_so():
    d = decide([match(valid_to=date(2026, 11, 29))], date(1990, 1, 1), TODAY, RULE)
    assert (d.eligible, d.reason) == (False, "roster_expired")


def test_entry_not_yet_valid():
    d = decide([match(valid_from=date(2026, 12, 1))], date(1990, 1, 1), TODAY, RULE)
    assert (d.eligible, d.reason) == (False, "roster_not_yet_valid")


def test_expired_roster_but_old_enough_is_eligible_by_age():
    d = decide([match(valid_to=date(2025, 1, 1))], date(1950, 1, 1), TODAY, RULE)
    assert (d.eligible, d.reason) == (True, "age")


def test_expired_card_is_still_decided_and_flagged():
    d = decide([match()], date(1990, 1, 1), TODAY, RULE, card_expired=True)
    assert d.eligible and d.card_expired


@pytest.mark.parametrize("text", ["低保", "subsistence", " SUBSISTENCE "])
def test_category_parses_code_or_chinese(text):
    assert Category.parse(text) is Category.SUBSISTENCE


def test_unknown_category_is_an_error():
    with pytest.raises(ValueError, match="unknown category"):
        Category.parse("VIP")
