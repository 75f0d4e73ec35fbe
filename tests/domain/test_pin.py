import pytest

from kiosk.domain.pin import LockoutState, PinGuard, hash_pin, valid_pin_hash, verify_pin


def test_hash_is_salted_and_verifies():
    a, b = hash_pin("482913"), hash_pin("482913")
    assert a != b and valid_pin_hash(a)
    assert "482913" not in a
    assert verify_pin("482913", a) and verify_pin("482913", b)
    assert not verify_pin("482914", a)


@pytest.mark.parametrize("stored", ["", "plain", "scrypt$1$2", "md5$a$b$c$d$e", "scrypt$x$8$1$$"])
def test_malformed_hash_never_verifies(stored):
    assert not verify_pin("1234", stored)


@pytest.mark.parametrize("pin", ["123", "12345", "abcdef", "1234567890123", "", "１２３４５６"])
def test_pin_shape_is_enforced(pin):
    with pytest.raises(ValueError):
        hash_pin(pin)


def test_five_wrong_pins_lock_for_five_minutes():
    now = [1000.0]
    guard = PinGuard(hash_pin("246801"), now_s=lambda: now[0])
    lefts = [guard.check("000000").tries_left for _ in range(4)]
    assert lefts == [4, 3, 2, 1]
    fifth = guard.check("000000")
    assert not fifth.ok and fifth.locked_for_s == 300
    # while locked even the right PIN is refused
    now[0] += 299
    assert not guard.check("246801").ok
    now[0] += 2
    assert guard.check("246801").ok


def test_right_pin_resets_the_count():
    guard = PinGuard(hash_pin("246801"), now_s=lambda: 0.0)
    for _ in range(4):
        guard.check("111111")
    assert guard.check("246801").ok
    assert guard.check("111111").tries_left == 4


def test_lockout_state_survives_a_new_guard():
    """A restart (a new guard from the saved state) gives no fresh tries."""
    now = [1000.0]
    saved = []
    guard = PinGuard(hash_pin("246801"), now_s=lambda: now[0], on_change=saved.append)
    for _ in range(3):
        guard.check("000000")
    assert saved[-1] == LockoutState(failures=3, locked_until=0.0)
    restarted = PinGuard(hash_pin("246801"), now_s=lambda: now[0], state=saved[-1])
    assert restarted.check("000000").tries_left == 1
    locked = PinGuard(hash_pin("246801"), now_s=lambda: now[0], state=LockoutState(0, 1200.0))
    assert locked.check("246801").locked_for_s == 200


def test_a_clock_set_back_never_lengthens_the_lockout():
    guard = PinGuard(hash_pin("246801"), now_s=lambda: 0.0, state=LockoutState(0, 10**9))
    assert guard.locked_for_s() == 300


@pytest.mark.parametrize(
    "stored",
    [
        "scrypt$16384$8$1$c2FsdHNhbHQ=$!!notbase64!!",
        "scrypt$16385$8$1$c2FsdHNhbHQ=$ZGlnZXN0ZGlnZXN0ZGlnZXN0",  # N not a power of two
        "scrypt$16384$8$1$c2FsdA==$ZGlnZXN0ZGlnZXN0ZGlnZXN0",  # 4-byte salt
        "scrypt$16384$8$1$c2FsdHNhbHQ=$ZGln",  # 3-byte digest
    ],
)
def test_hash_format_is_checked_in_full(stored):
    assert not valid_pin_hash(stored)
    assert not verify_pin("246801", stored)
