"""Green-channel eligibility: who gets an L ticket, and why (or why not).

Pure rules. The roster lookup, the card and the clock are inputs; the decision carries
its reason so the screen, the ticket record and the day report can all say it plainly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from roster.categories import Category

#: Reason codes. The category (roster) or ``age`` when eligible.
REASON_ROSTER = "roster"
REASON_AGE = "age"
REASON_STAFF = "staff"
REASON_NOT_ON_ROSTER = "not_on_roster"
REASON_ROSTER_EXPIRED = "roster_expired"
REASON_NOT_YET_VALID = "roster_not_yet_valid"

#: Category recorded for tickets given by the age rule (not a roster category).
AGE_CATEGORY = "age"


@dataclass(frozen=True)
class RosterMatch:
    category: Category
    valid_from: date | None
    valid_to: date | None

    def valid_on(self, day: date) -> bool:
        if self.valid_from is not None and day < self.valid_from:
            return False
        return self.valid_to is None or day <= self.valid_to


@dataclass(frozen=True)
class AgeRule:
    enabled: bool = True
    threshold: int = 60


@dataclass(frozen=True)
class Decision:
    eligible: bool
    reason: str
    category: str | None = None
    age: int | None = None
    card_expired: bool = False


def age_on(birth_date: date, day: date) -> int:
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


_PRIORITY_ORDER = list(Category)


def decide(
    matches: Iterable[RosterMatch],
    birth_date: date | None,
    today: date,
    rule: AgeRule,
    *,
    card_expired: bool = False,
) -> Decision:
    """Roster match valid today first, then the age rule, else not eligible with why."""
    matches = list(matches)
    age = age_on(birth_date, today) if birth_date is not None else None
    valid = [m for m in matches if m.valid_on(today)]
    if valid:
        best = min(valid, key=lambda m: _PRIORITY_ORDER.index(m.category))
        return Decision(True, REASON_ROSTER, best.category.value, age, card_expired)
    if rule.enabled and age is not None and age >= rule.threshold:
        return Decision(True, REASON_AGE, AGE_CATEGORY, age, card_expired)
    if not matches:
        reason = REASON_NOT_ON_ROSTER
    elif any(m.valid_from is not None and today < m.valid_from for m in matches):
        reason = REASON_NOT_YET_VALID
    else:
        reason = REASON_ROSTER_EXPIRED
    return Decision(False, reason, None, age, card_expired)
