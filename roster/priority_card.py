"""Priority-card codes: what a scanner may accept as proof of a green-channel entitlement.

A QR code or barcode is only text, and anyone can print text. A scanned bare ID number
(say, of someone "born 1940") proves nothing, so a kiosk whose line source is a scanner
accepts only codes the hall signed. The hall keeps an Ed25519 private key; kiosks are
given only the public key (``green_channel.priority_card_keys`` in their config), so a
kiosk, its config or its disk, if stolen, cannot make codes.

A code is one line of URL-safe text::

    PC1.<key id>.<payload>.<signature>

- ``key id``: which hall key signed it (so a hall can rotate keys), 1-16 of ``[A-Za-z0-9_-]``.
- ``payload``: base64url (no padding) of ``<ID number>|<category code>|<valid to>``, the
  last as ``YYYYMMDD`` or empty for no end.
- ``signature``: base64url Ed25519 signature over ``b"PC1." + key id + b"." + payload text``.

The ID number is inside the payload because the card belongs to the person it names; the
kiosk verifies the code, hashes the number with its keyed hash and forgets it, as it does
for a chip card. Codes are never logged; errors say only what was wrong.

Issuing (at the hall, offline)::

    python -m roster.priority_card keygen --key-id hall2027 --private hall2027.key
    python -m roster.priority_card issue --key-id hall2027 --private hall2027.key \\
        --id-number 110101194001011234 --category elderly --valid-to 2027-12-31
"""

from __future__ import annotations

import argparse
import base64
import binascii
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from idreader.errors import InvalidIdNumber
from idreader.idnumber import validate_id_number
from roster.categories import Category

__all__ = [
    "CODE_PATTERN",
    "PriorityCard",
    "PriorityCardError",
    "issue_code",
    "load_public_keys",
    "looks_like_priority_code",
    "new_private_key",
    "public_key_text",
    "verify_code",
]

SCHEME = "PC1"
_B64 = r"[A-Za-z0-9_-]"
#: The shape of a priority-card code (checked before any decoding).
CODE_PATTERN = re.compile(rf"{SCHEME}\.({_B64}{{1,16}})\.({_B64}{{8,200}})\.({_B64}{{86}})")


class PriorityCardError(ValueError):
    """The code is not a valid priority card; the message says why, never the content."""


@dataclass(frozen=True)
class PriorityCard:
    """What a verified code says. ``repr`` hides the number."""

    id_number: str
    category: Category
    valid_to: date | None
    key_id: str

    def valid_on(self, day: date) -> bool:
        return self.valid_to is None or day <= self.valid_to

    def __repr__(self) -> str:
        return f"PriorityCard({self.category.value}, valid_to={self.valid_to}, key={self.key_id})"


def looks_like_priority_code(text: str) -> bool:
    return CODE_PATTERN.fullmatch(text.strip()) is not None


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_private_key() -> bytes:
    """A new Ed25519 private key (32 raw bytes) for a hall."""
    return Ed25519PrivateKey.generate().private_bytes(
        Encoding.Raw, PrivateFormat.Raw, NoEncryption()
    )


def public_key_text(private_key: bytes) -> str:
    """The public half of ``private_key``, as base64url text for the kiosk config."""
    public = Ed25519PrivateKey.from_private_bytes(private_key).public_key()
    return _b64encode(public.public_bytes(Encoding.Raw, PublicFormat.Raw))


def load_public_keys(keys: Mapping[str, str]) -> dict[str, Ed25519PublicKey]:
    """Config text (key id -> base64url public key) to keys; raises PriorityCardError."""
    loaded = {}
    for key_id, text in keys.items():
        if not re.fullmatch(rf"{_B64}{{1,16}}", key_id):
            raise PriorityCardError(f"priority-card key id {key_id!r}: use 1-16 of A-Z a-z 0-9 _ -")
        try:
            raw = _b64decode(text.strip())
            if len(raw) != 32:
                raise ValueError("not 32 bytes")
            loaded[key_id] = Ed25519PublicKey.from_public_bytes(raw)
        except (ValueError, binascii.Error) as e:
            raise PriorityCardError(
                f"priority-card key {key_id!r} is not a base64url Ed25519 public key"
            ) from e
    return loaded


def issue_code(
    private_key: bytes,
    key_id: str,
    id_number: str,
    category: Category,
    valid_to: date | None,
    *,
    today: date | None = None,
) -> str:
    """Sign a priority card for ``id_number`` (validated first)."""
    number = validate_id_number(id_number, today)
    until = valid_to.strftime("%Y%m%d") if valid_to else ""
    payload = _b64encode(f"{number}|{category.value}|{until}".encode("ascii"))
    signed = f"{SCHEME}.{key_id}.{payload}"
    signature = Ed25519PrivateKey.from_private_bytes(private_key).sign(signed.encode("ascii"))
    code = f"{signed}.{_b64encode(signature)}"
    if not looks_like_priority_code(code):
        raise PriorityCardError("key id must be 1-16 of A-Z a-z 0-9 _ -")
    return code


def verify_code(
    text: str, keys: Mapping[str, Ed25519PublicKey], *, today: date | None = None
) -> PriorityCard:
    """Check a scanned code's signature and contents; raises PriorityCardError.

    Expiry is not judged here (the eligibility rules do that with the roster's); a code
    that verifies is a true statement by the hall.
    """
    match = CODE_PATTERN.fullmatch(text.strip())
    if match is None:
        raise PriorityCardError("not a priority-card code")
    key_id, payload, signature = match.groups()
    key = keys.get(key_id)
    if key is None:
        raise PriorityCardError(f"priority card signed with an unknown key ({key_id})")
    try:
        key.verify(_b64decode(signature), f"{SCHEME}.{key_id}.{payload}".encode("ascii"))
    except (InvalidSignature, ValueError, binascii.Error):
        raise PriorityCardError("priority card signature does not verify") from None
    try:
        number_text, category_text, until = _b64decode(payload).decode("ascii").split("|")
        number = validate_id_number(number_text, today)
        category = Category.parse(category_text)
        valid_to = date(int(until[:4]), int(until[4:6]), int(until[6:8])) if until else None
    except (ValueError, UnicodeDecodeError, binascii.Error, InvalidIdNumber):
        # Signed but malformed: the hall's issuing tool has a bug; say so, show nothing.
        raise PriorityCardError("priority card content is malformed") from None
    return PriorityCard(number, category, valid_to, key_id)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m roster.priority_card", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    keygen = sub.add_parser("keygen", help="make a hall signing key; prints the public key")
    keygen.add_argument("--private", type=Path, required=True, help="file for the private key")
    keygen.add_argument("--key-id", required=True)
    issue = sub.add_parser("issue", help="print the code for one person's priority card")
    issue.add_argument("--private", type=Path, required=True)
    issue.add_argument("--key-id", required=True)
    issue.add_argument("--id-number", required=True)
    issue.add_argument("--category", required=True)
    issue.add_argument("--valid-to", type=date.fromisoformat)
    args = parser.parse_args(argv)
    if args.command == "keygen":
        private = new_private_key()
        try:
            fd = os.open(args.private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as e:
            print(f"cannot write the key: {e}", file=sys.stderr)
            return 1
        with open(fd, "wb") as out:
            out.write(private)
        print("[green_channel.priority_card_keys]")
        print(f'{args.key_id} = "{public_key_text(private)}"')
        return 0
    try:
        code = issue_code(
            args.private.read_bytes(),
            args.key_id,
            args.id_number,
            Category.parse(args.category),
            args.valid_to,
        )
    except (OSError, ValueError, InvalidIdNumber) as e:
        print(f"cannot issue: {e}", file=sys.stderr)
        return 1
    print(code)
    return 0


if __name__ == "__main__":
    sys.exit(main())
