"""The service catalogue: what a visitor can queue for, its prefix and where it is served."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.domain.numbering import PRIORITY_PREFIX, valid_prefix

_CODE = re.compile(r"[a-z][a-z0-9_]{1,31}")


class CatalogueError(ValueError):
    """The catalogue file cannot be used; the message says which entry and why."""


@dataclass(frozen=True)
class Service:
    code: str
    prefix: str
    name_zh: str
    name_en: str
    location_zh: str
    location_en: str
    icon: str = ""

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def location(self, lang: str) -> str:
        return self.location_zh if lang == "zh" else self.location_en


@dataclass(frozen=True)
class Catalogue:
    version: str
    services: tuple[Service, ...]

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
        unknown = set(entry) - {*_FIELDS, "icon"}
        if unknown:
            raise CatalogueError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
        for field in _FIELDS:
            problem = _text_problem(field, entry.get(field))
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
        services.append(Service(**{k: entry[k] for k in _FIELDS}, icon=icon))
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
