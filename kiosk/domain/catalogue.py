"""The service catalogue: what a visitor can queue for, its prefix and where it is served."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import Any

from kiosk.domain.numbering import PRIORITY_PREFIX, valid_prefix

_CODE = re.compile(r"[a-z][a-z0-9_]{1,31}")


class CatalogueError(ValueError):
    """The catalogue file cannot be used; the message says which entry and why."""


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


@dataclass(frozen=True)
class TimeRange:
    start: time
    end: time

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True)
class Availability:
    """Whether a service issues tickets at one moment, and if not, when it next does."""

    open: bool
    #: When closed: ``"not_yet"`` (opens later today), ``"closed_today"`` (no hours
    #: today, or the last issue time has passed).
    reason: str = ""
    opens_at: datetime | None = None


ALWAYS_OPEN = Availability(True)


@dataclass(frozen=True)
class Service:
    code: str
    prefix: str
    name_zh: str
    name_en: str
    location_zh: str
    location_en: str
    icon: str = ""
    #: Opening hours per weekday ("mon".."sun"); empty: tickets at any time.
    hours: Mapping[str, TimeRange] = field(default_factory=dict)
    #: No tickets after this time on an ordinary day (None: until closing).
    last_issue: time | None = None
    #: Extended-hours days (延时服务): an extra issuing range on those weekdays.
    extended: Mapping[str, TimeRange] = field(default_factory=dict)
    #: Most tickets issued per day (None: no limit).
    daily_quota: int | None = None
    #: Where priority (L) tickets of this service go, e.g. an elderly-care window.
    priority_location_zh: str = ""
    priority_location_en: str = ""

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def location(self, lang: str) -> str:
        return self.location_zh if lang == "zh" else self.location_en

    def priority_place(self, lang: str) -> str:
        """Where an L ticket of this service waits: the priority location if set."""
        place = self.priority_location_zh if lang == "zh" else self.priority_location_en
        return place or self.location(lang)

    def _issuing_ranges(self, weekday: str) -> list[TimeRange]:
        ranges: list[TimeRange] = []
        regular = self.hours.get(weekday)
        if regular is not None:
            end = regular.end
            if self.last_issue is not None and self.last_issue < end:
                end = self.last_issue
            if regular.start < end:
                ranges.append(TimeRange(regular.start, end))
        extra = self.extended.get(weekday)
        if extra is not None:
            ranges.append(extra)
        return sorted(ranges, key=lambda r: r.start)

    def availability(self, now: datetime) -> Availability:
        """Open now, or when tickets start again (``now`` in the hall's time zone)."""
        if not self.hours and not self.extended:
            return ALWAYS_OPEN
        today = now.date()
        for offset in range(8):
            day = today + timedelta(days=offset)
            for r in self._issuing_ranges(WEEKDAYS[day.weekday()]):
                start = datetime.combine(day, r.start, now.tzinfo)
                end = datetime.combine(day, r.end, now.tzinfo)
                if offset == 0 and start <= now < end:
                    return ALWAYS_OPEN
                if start > now:
                    reason = "not_yet" if offset == 0 else "closed_today"
                    return Availability(False, reason, start)
        return Availability(False, "closed_today", None)


@dataclass(frozen=True)
class Catalogue:
    version: str
    services: tuple[Service, ...]

    def any_open(self, now: datetime) -> bool:
        return any(service.availability(now).open for service in self.services)

    def open_at_any_hour(self) -> Catalogue:
        """The same services without opening hours (quotas kept): the demo after hours."""
        return Catalogue(
            self.version,
            tuple(replace(s, hours={}, last_issue=None, extended={}) for s in self.services),
        )

    def __iter__(self) -> Iterator[Service]:
        return iter(self.services)

    def __len__(self) -> int:
        return len(self.services)

    def by_code(self, code: str) -> Service:
        for service in self.services:
            if service.code == code:
                return service
        raise KeyError(code)


_FIELDS = ("code", "prefix", "name_zh", "name_en", "location_zh", "location_en")
#: Longest name or location taken at all; whether a name fits a ticket line depends on the
#: paper and is checked against the printer's layout when the kiosk starts.
MAX_TEXT_CHARS = 60


def _text_problem(field: str, value: object) -> str | None:
    """Why a name or location is unusable as given (it is used exactly as written)."""
    if not isinstance(value, str) or not value:
        return f"'{field}' must be a non-empty string"
    if value != value.strip():
        return f"'{field}' {value!r} starts or ends with spaces or a line break"
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in value):
        return f"'{field}' {value!r} contains a line break or control character"
    if len(value) > MAX_TEXT_CHARS:
        return f"'{field}' is longer than {MAX_TEXT_CHARS} characters"
    return None


def _clock_time(where: str, key: str, value: object) -> time:
    if not isinstance(value, str) or not _TIME.fullmatch(value):
        raise CatalogueError(f"{where}: '{key}' {value!r} must be a time as HH:MM (e.g. 16:30)")
    hour, minute = value.split(":")
    return time(int(hour), int(minute))


def _week(where: str, key: str, value: object) -> dict[str, TimeRange]:
    """``{ mon = "08:30-17:00", ... }``: weekdays as keys, a HH:MM-HH:MM range each."""
    if not isinstance(value, Mapping):
        example = '{ mon = "08:30-17:00" }'
        raise CatalogueError(f"{where}: '{key}' must be a table such as {example}")
    week: dict[str, TimeRange] = {}
    for day, text in value.items():
        if day not in WEEKDAYS:
            raise CatalogueError(f"{where}: '{key}' has {day!r}; days are {', '.join(WEEKDAYS)}")
        if not isinstance(text, str) or text.count("-") != 1:
            raise CatalogueError(f"{where}: '{key}.{day}' {text!r} must be HH:MM-HH:MM")
        start_text, end_text = text.split("-")
        start = _clock_time(where, f"{key}.{day}", start_text)
        end = _clock_time(where, f"{key}.{day}", end_text)
        if not start < end:
            raise CatalogueError(f"{where}: '{key}.{day}' {text!r} must end after it starts")
        week[day] = TimeRange(start, end)
    return week


def _schedule(where: str, entry: Mapping[str, Any]) -> dict[str, Any]:
    """The optional hours, last issue time, extended days, quota and priority location."""
    values: dict[str, Any] = {}
    if "hours" in entry:
        values["hours"] = _week(where, "hours", entry["hours"])
    if "last_issue" in entry:
        if "hours" not in entry:
            raise CatalogueError(f"{where}: 'last_issue' needs 'hours'")
        values["last_issue"] = _clock_time(where, "last_issue", entry["last_issue"])
    if "extended" in entry:
        extended = _week(where, "extended", entry["extended"])
        hours = values.get("hours", {})
        for day, extra in extended.items():
            regular = hours.get(day)
            if regular is not None and extra.start < regular.end:
                raise CatalogueError(
                    f"{where}: 'extended.{day}' {extra} must start after the hours ({regular})"
                )
        values["extended"] = extended
    if "daily_quota" in entry:
        quota = entry["daily_quota"]
        if isinstance(quota, bool) or not isinstance(quota, int) or not 1 <= quota <= 9999:
            raise CatalogueError(f"{where}: 'daily_quota' {quota!r} must be a whole number 1-9999")
        values["daily_quota"] = quota
    given = [k for k in ("priority_location_zh", "priority_location_en") if k in entry]
    if given and len(given) != 2:
        raise CatalogueError(
            f"{where}: 'priority_location_zh' and 'priority_location_en' go together"
        )
    for key in given:
        problem = _text_problem(key, entry[key])
        if problem:
            raise CatalogueError(f"{where}: {problem}")
        values[key] = entry[key]
    return values


_OPTIONAL = (
    "icon",
    "hours",
    "last_issue",
    "extended",
    "daily_quota",
    "priority_location_zh",
    "priority_location_en",
)


def _normalised(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def catalogue_from_mapping(data: Mapping[str, Any], source: str = "catalogue") -> Catalogue:
    """Check every entry exactly as given (nothing is stripped or corrected) and build it."""
    entries = data.get("service")
    if not isinstance(entries, list) or not entries:
        raise CatalogueError(f"{source}: needs at least one [[service]] entry")
    services: list[Service] = []
    seen_codes: set[str] = set()
    seen_prefixes: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        where = f"{source}: service #{index}"
        if not isinstance(entry, Mapping):
            raise CatalogueError(f"{where}: must be a table")
        code = entry.get("code")
        if isinstance(code, str):
            where += f" ({code!r})"
        unknown = set(entry) - {*_FIELDS, *_OPTIONAL}
        if unknown:
            raise CatalogueError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
        for name in _FIELDS:
            problem = _text_problem(name, entry.get(name))
            if problem:
                raise CatalogueError(f"{where}: {problem}")
        code, prefix = entry["code"], entry["prefix"]
        if not _CODE.fullmatch(code):
            raise CatalogueError(f"{where}: code {code!r} must be lower-case letters/digits/_")
        if not valid_prefix(prefix):
            raise CatalogueError(f"{where}: prefix {prefix!r} must be one capital letter")
        if prefix == PRIORITY_PREFIX:
            raise CatalogueError(f"{where}: prefix {PRIORITY_PREFIX} is reserved for priority")
        if _normalised(code) in seen_codes:
            raise CatalogueError(f"{where}: duplicate code {code!r}")
        if prefix in seen_prefixes:
            raise CatalogueError(f"{where}: prefix {prefix!r} already used by another service")
        icon = entry.get("icon", "")
        if not isinstance(icon, str):
            raise CatalogueError(f"{where}: 'icon' must be a string")
        seen_codes.add(_normalised(code))
        seen_prefixes.add(prefix)
        schedule = _schedule(where, entry)
        services.append(Service(**{k: entry[k] for k in _FIELDS}, icon=icon, **schedule))
    version = data.get("version", "local")
    if not isinstance(version, str | int):
        raise CatalogueError(f"{source}: version must be a string")
    return Catalogue(version=str(version), services=tuple(services))


def parse_catalogue(text: str, source: str = "catalogue") -> Catalogue:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise CatalogueError(f"{source}: not valid TOML: {e}") from e
    return catalogue_from_mapping(data, source)
