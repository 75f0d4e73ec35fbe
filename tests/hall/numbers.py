"""Valid (check-digit correct) 18-character ID numbers for roster tests and benchmarks."""

from __future__ import annotations

from collections.abc import Iterator

from idreader.idnumber import check_character


def iter_numbers(count: int, *, start: int = 0) -> Iterator[str]:
    """Distinct numbers: region 110101, birth dates in 1940-1959, serial numbers."""
    for i in range(start, start + count):
        serial = i % 1000
        day = i // 1000
        year = 1940 + (day // 336) % 20
        month = 1 + (day // 28) % 12
        dom = 1 + day % 28
        first17 = f"110101{year:04d}{month:02d}{dom:02d}{serial:03d}"
        yield first17 + check_character(first17)


def valid_numbers(count: int, *, start: int = 0) -> list[str]:
    return list(iter_numbers(count, start=start))
