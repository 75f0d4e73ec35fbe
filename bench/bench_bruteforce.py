"""How long recovering ID numbers from a kiosk's hashes takes, with and without the key.

    .venv/bin/python bench/bench_bruteforce.py [--seconds S]

A Chinese resident ID number is 6 digits of region, 8 of birth date, 3 of sequence and a
check character computed from the 17 others: one county and one decade of birth dates is
3,653 days x 1,000 sequences = 3.65 million candidates. The kiosk stores keyed hashes
(HMAC-SHA256) of the numbers. This measures, on one core of this machine, how many
candidates per second the kiosk's own hash functions test when the key is known (a copy
of the database *and* of the key store), and prints what that means for one county and
decade, and for the whole country (about 2,850 county-level regions, a century of birth
dates). Without the key the attacker must guess a 256-bit key first: no figure to measure.

Target: none to meet; the figures go into docs/threat-model.md.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import time
from datetime import date, timedelta

from idreader.idnumber import check_character
from kiosk.store.secrets import person_hash
from roster.format import make_hasher

COUNTY_DECADE = 3653 * 1000
COUNTIES = 2850
COUNTRY_CENTURY = COUNTIES * 10 * COUNTY_DECADE


def candidates(region: str = "370102", first: date = date(1950, 1, 1)):  # type: ignore[no-untyped-def]
    day = first
    while True:
        born = f"{day:%Y%m%d}"
        for sequence in range(1000):
            first17 = f"{region}{born}{sequence:03d}"
            yield first17 + check_character(first17)
        day += timedelta(days=1)


def rate(fn, seconds: float) -> float:  # type: ignore[no-untyped-def]
    targets = {fn("0" * 18)}
    tested = 0
    started = time.perf_counter()
    for number in candidates():
        if fn(number) in targets:
            pass
        tested += 1
        if tested % 10_000 == 0 and time.perf_counter() - started >= seconds:
            break
    return tested / (time.perf_counter() - started)


def human(seconds: float) -> str:
    for unit, size in (("years", 365 * 86400), ("days", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:,.1f} {unit}"
    return f"{seconds:.1f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    key = secrets.token_bytes(32)
    roster = make_hasher(key)
    for name, fn in (
        ("ticket person hash (HMAC-SHA256, hex)", lambda n: person_hash(key, n)),
        ("roster keyed hash (HMAC-SHA256)", roster),
    ):
        per_s = rate(fn, args.seconds)
        print(f"{name}: {per_s:,.0f} candidates/s on one core (with the key)")
        print(f"  one county, one decade ({COUNTY_DECADE:,}): {human(COUNTY_DECADE / per_s)}")
        print(
            f"  whole country, a century ({COUNTRY_CENTURY:.2e}):"
            f" {human(COUNTRY_CENTURY / per_s)} on one core"
        )
    print("without the key: 2^256 possible keys; at 1e12 guesses/s, ~3.7e57 years per key")
    return 0


if __name__ == "__main__":
    sys.exit(main())
