"""Hall-signed priority cards: only the hall's key makes a code a kiosk accepts."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from idreader.testing import make_id_number
from roster.categories import Category
from roster.priority_card import (
    PriorityCardError,
    _b64decode,
    _b64encode,
    issue_code,
    load_public_keys,
    looks_like_priority_code,
    new_private_key,
    public_key_text,
    verify_code,
)

TODAY = date(2026, 12, 3)
NUMBER = make_id_number(date(1940, 5, 6), sequence=7)


@pytest.fixture(scope="module")
def hall_key() -> bytes:
    return new_private_key()


def keys_for(private: bytes, key_id: str = "hall27"):
    return load_public_keys({key_id: public_key_text(private)})


def test_a_signed_code_verifies_and_says_what_the_hall_signed(hall_key: bytes):
    code = issue_code(hall_key, "hall27", NUMBER, Category.ELDERLY, date(2027, 12, 31))
    assert looks_like_priority_code(code) and len(code) < 256  # fits a scanner line
    card = verify_code(code, keys_for(hall_key), today=TODAY)
    assert (card.id_number, card.category, card.valid_to) == (
        NUMBER,
        Category.ELDERLY,
        date(2027, 12, 31),
    )
    assert NUMBER not in repr(card)


def test_an_invented_or_altered_code_is_refused(hall_key: bytes):
    keys = keys_for(hall_key)
    code = issue_code(hall_key, "hall27", NUMBER, Category.SUBSISTENCE, None)
    scheme, key_id, _payload, signature = code.split(".")
    other = make_id_number(date(1938, 1, 1), sequence=9)
    forged_payload = _b64encode(f"{other}|subsistence|".encode())
    with pytest.raises(PriorityCardError, match="does not verify"):
        verify_code(f"{scheme}.{key_id}.{forged_payload}.{signature}", keys, today=TODAY)
    # Signed by someone else's key under the hall's key id.
    stranger = issue_code(new_private_key(), "hall27", NUMBER, Category.SUBSISTENCE, None)
    with pytest.raises(PriorityCardError, match="does not verify"):
        verify_code(stranger, keys, today=TODAY)
    with pytest.raises(PriorityCardError, match="unknown key"):
        verify_code(code.replace("hall27", "hall99", 1), keys, today=TODAY)
    with pytest.raises(PriorityCardError, match="not a priority-card code"):
        verify_code(NUMBER, keys, today=TODAY)
    # The message never carries the number.
    try:
        verify_code(f"{scheme}.{key_id}.{forged_payload}.{signature}", keys, today=TODAY)
    except PriorityCardError as e:
        assert other not in str(e) and NUMBER not in str(e)


def test_signed_but_malformed_content_is_refused(hall_key: bytes):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    payload = _b64encode(b"not-a-number|elderly|")
    signed = f"PC1.hall27.{payload}"
    signature = Ed25519PrivateKey.from_private_bytes(hall_key).sign(signed.encode())
    code = f"{signed}.{_b64encode(signature)}"
    with pytest.raises(PriorityCardError, match="malformed"):
        verify_code(code, keys_for(hall_key), today=TODAY)
    assert _b64decode(payload) == b"not-a-number|elderly|"


def test_bad_public_keys_in_config_are_named():
    with pytest.raises(PriorityCardError, match="'k1'"):
        load_public_keys({"k1": "not base64 !!"})
    with pytest.raises(PriorityCardError, match="key id"):
        load_public_keys({"bad id": _b64encode(bytes(32))})


def test_keygen_and_issue_commands(tmp_path: Path):
    key_file = tmp_path / "hall.key"
    cmd = [sys.executable, "-m", "roster.priority_card"]
    made = subprocess.run(
        [*cmd, "keygen", "--key-id", "h1", "--private", str(key_file)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert key_file.stat().st_mode & 0o077 == 0
    public = made.stdout.splitlines()[1].split('"')[1]
    issued = subprocess.run(
        [
            *cmd,
            *("issue", "--key-id", "h1", "--private", str(key_file), "--id-number", NUMBER),
            *("--category", "低保", "--valid-to", "2027-06-30"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    card = verify_code(issued.stdout.strip(), load_public_keys({"h1": public}), today=TODAY)
    assert card.category is Category.SUBSISTENCE and card.valid_to == date(2027, 6, 30)
    again = subprocess.run(
        [*cmd, "keygen", "--key-id", "h1", "--private", str(key_file)], capture_output=True
    )
    assert again.returncode == 1  # never overwrites a hall's key
