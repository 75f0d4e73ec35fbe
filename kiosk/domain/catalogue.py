"""The service catalogue: what a visitor can queue for, its prefix and where it is served."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.domain.numbering import PRIORITY_PREFIX, valid_prefix

_CODE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")


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


def catalogue_from_mapping(data: Mapping[str, Any], source: str = "catalogue") -> Catalogue:
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
        unknown = set(entry) - {*_FIELDS, "icon"}
        if unknown:
            raise CatalogueError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        for field in _FIELDS:
            value = entry.get(field)
            if not isinstance(value, str) or not value.strip():
                raise CatalogueError(f"{where}: '{field}' must be a non-empty string")
        code, prefix = entry["code"], entry["prefix"]
        if not _CODE.match(code):
            raise CatalogueError(f"{where}: code {code!r} must be lower-case letters/digits/_")
        if not valid_prefix(prefix):
            raise CatalogueError(f"{where}: prefix {prefix!r} must be one capital letter")
        if prefix == PRIORITY_PREFIX:
            raise CatalogueError(f"{where}: prefix {PRIORITY_PREFIX} is reserved for priority")
        if code in seen_codes:
            raise CatalogueError(f"{where}: duplicate code {code!r}")
        if prefix in seen_prefixes:
            raise CatalogueError(f"{where}: prefix {prefix!r} already used by another service")
        seen_codes.add(code)
        seen_prefixes.add(prefix)
        services.append(
            Service(**{k: entry[k].strip() for k in _FIELDS}, icon=entry.get("icon", ""))
        )
    return Catalogue(version=str(data.get("version", "local")), services=tuple(services))


def parse_catalogue(text: str, source: str = "catalogue") -> Catalogue:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise CatalogueError(f"{source}: not valid TOML: {e}") from e
    return catalogue_from_mapping(data, source)
