"""Staff accounts of the hall pages: argon2id passwords, logins with a rate limit, and
browser sessions (the cookie is random; the database keeps its SHA-256).

Failed logins are rows in the database, not counters in one process, so the limit holds
with several workers or hosts: ``MAX_FAILURES`` failures for one user name, or from one
client address, within ``FAILURE_WINDOW`` refuse further tries until the oldest ages out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hall.errors import Conflict, HallError, Invalid, NotFound
from hall.store.db import Database, StoreError
from hall.store.models import Hall
from hall.store.page_models import LoginFailure, StaffRole, StaffSession, StaffUser
from hall.tokens import token_hash
from hall.usecases.halls import find_hall

#: argon2id with argon2-cffi's defaults (RFC 9106 "low memory": 64 MiB, 3 passes).
PASSWORDS = PasswordHasher()
#: Verified when the user name is unknown, so both answers take the same time.
_DUMMY_HASH = PASSWORDS.hash("not a password of anyone")

MIN_PASSWORD = 8
SESSION_TTL = timedelta(hours=12)
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES = 5


class LoginRefused(HallError):
    """Too many failed logins: wait ``retry_after_s`` seconds."""

    status = 429
    code = "rate_limited"

    def __init__(self, retry_after_s: int) -> None:
        minutes = max(1, math.ceil(retry_after_s / 60))
        super().__init__(
            f"尝试次数过多，请 {minutes} 分钟后再试 / too many tries, wait {minutes} min"
        )
        self.retry_after_s = retry_after_s


class BadLogin(HallError):
    status = 401
    code = "unauthorized"


@dataclass(frozen=True)
class Staff:
    """Who is logged in, through which session, at which counter window."""

    id: int
    name: str
    role: str
    hall_id: int | None
    hall_name: str | None
    session_hash: str
    window: str | None = None
    services: tuple[str, ...] = ()

    def may(self, *roles: str) -> bool:
        return self.role == StaffRole.ADMIN or self.role in roles


@dataclass(frozen=True)
class UserRow:
    name: str
    role: str
    hall: str | None
    created_at: datetime
    disabled: bool


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"a password has at least {MIN_PASSWORD} characters")
    if len(password) > 200:
        raise Invalid("a password has at most 200 characters")


def add_user(
    db: Database, name: str, role: str, password: str, hall_name: str | None, now: datetime
) -> None:
    name = name.strip()
    if not name or len(name) > 32:
        raise Invalid("a user name is 1 to 32 characters")
    if role not in StaffRole.ALL:
        raise Invalid(f"role must be one of {', '.join(StaffRole.ALL)}")
    if role != StaffRole.ADMIN and not hall_name:
        raise Invalid(f"a {role} account belongs to a hall (--hall)")
    _check_password(password)
    hashed = PASSWORDS.hash(password)
    try:
        with db.write() as uow:
            hall_id = find_hall(uow.session, hall_name).id if hall_name else None
            uow.session.add(
                StaffUser(
                    name=name, role=role, hall_id=hall_id, password_hash=hashed, created_at=now
                )
            )
            uow.session.flush()
    except StoreError as e:
        if isinstance(e.__cause__, IntegrityError):
            raise Conflict(f"a user named {name!r} exists already") from e
        raise


def _user(session: Session, name: str) -> StaffUser:
    user = session.scalars(select(StaffUser).where(StaffUser.name == name)).first()
    if user is None:
        raise NotFound(f"no user named {name!r}")
    return user


def set_password(db: Database, name: str, password: str) -> None:
    """A new password; every session of the user ends."""
    _check_password(password)
    hashed = PASSWORDS.hash(password)
    with db.write() as uow:
        user = _user(uow.session, name)
        user.password_hash = hashed
        uow.session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))


def disable_user(db: Database, name: str, now: datetime) -> None:
    with db.write() as uow:
        user = _user(uow.session, name)
        user.disabled_at = now
        uow.session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))


def list_users(db: Database, hall_id: int | None) -> list[UserRow]:
    with db.read() as session:
        query = (
            select(StaffUser, Hall.name)
            .outerjoin(Hall, Hall.id == StaffUser.hall_id)
            .order_by(StaffUser.name)
        )
        if hall_id is not None:
            query = query.where(StaffUser.hall_id == hall_id)
        return [
            UserRow(u.name, u.role, hall, u.created_at, u.disabled_at is not None)
            for u, hall in session.execute(query).all()
        ]


def _retry_after(db: Database, keys: list[str], now: datetime) -> int:
    since = now - FAILURE_WINDOW
    with db.read() as session:
        for key in keys:
            times = session.scalars(
                select(LoginFailure.at)
                .where(LoginFailure.key == key, LoginFailure.at > since)
                .order_by(LoginFailure.at.desc())
                .limit(MAX_FAILURES)
            ).all()
            if len(times) >= MAX_FAILURES:
                return max(1, math.ceil((times[-1] + FAILURE_WINDOW - now).total_seconds()))
    return 0


def log_in(
    db: Database, name: str, password: str, client_address: str, new_token: str, now: datetime
) -> Staff:
    """Check the password and open a session whose cookie is ``new_token``.

    Raises :class:`LoginRefused` while the name or the address is over the limit (the
    password is then not even checked) and :class:`BadLogin` for a wrong name or password.
    """
    name = name.strip()[:32]
    keys = [f"name:{name.casefold()}", f"ip:{client_address}"[:80]]
    wait_s = _retry_after(db, keys, now)
    if wait_s:
        raise LoginRefused(wait_s)
    with db.read() as session:
        user = session.scalars(select(StaffUser).where(StaffUser.name == name)).first()
        stored = user.password_hash if user is not None else _DUMMY_HASH
    try:
        PASSWORDS.verify(stored, password)
        ok = user is not None and user.disabled_at is None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None:
        with db.write() as uow:
            uow.session.add_all([LoginFailure(key=k, at=now) for k in keys])
            uow.session.execute(delete(LoginFailure).where(LoginFailure.at < now - FAILURE_WINDOW))
        raise BadLogin("用户名或密码错误 / wrong user name or password")
    with db.write() as uow:
        account = uow.session.get(StaffUser, user.id)
        assert account is not None
        if PASSWORDS.check_needs_rehash(account.password_hash):
            account.password_hash = PASSWORDS.hash(password)
        uow.session.execute(delete(LoginFailure).where(LoginFailure.key == keys[0]))
        uow.session.execute(delete(StaffSession).where(StaffSession.expires_at < now))
        session_hash = token_hash(new_token)
        uow.session.add(
            StaffSession(
                token_hash=session_hash,
                user_id=account.id,
                created_at=now,
                expires_at=now + SESSION_TTL,
                services="",
            )
        )
        hall = uow.session.get(Hall, account.hall_id) if account.hall_id else None
        return Staff(
            account.id,
            account.name,
            account.role,
            account.hall_id,
            hall.name if hall else None,
            session_hash,
        )


def session_staff(db: Database, token: str, now: datetime) -> Staff | None:
    """The staff member of a session cookie, or None (unknown, expired, disabled)."""
    with db.read() as session:
        row = session.execute(
            select(StaffSession, StaffUser, Hall.name)
            .join(StaffUser, StaffUser.id == StaffSession.user_id)
            .outerjoin(Hall, Hall.id == StaffUser.hall_id)
            .where(StaffSession.token_hash == token_hash(token))
        ).first()
    if row is None:
        return None
    staff_session, user, hall_name = row
    if staff_session.expires_at <= now or user.disabled_at is not None:
        return None
    services = tuple(s for s in staff_session.services.split(",") if s)
    return Staff(
        user.id,
        user.name,
        user.role,
        user.hall_id,
        hall_name,
        staff_session.token_hash,
        staff_session.window,
        services,
    )


def log_out(db: Database, session_hash: str) -> None:
    with db.write() as uow:
        uow.session.execute(delete(StaffSession).where(StaffSession.token_hash == session_hash))


def set_window(db: Database, session_hash: str, window: str, services: list[str]) -> None:
    """The counter window (and its services) this session works, for as long as it lasts."""
    window = window.strip()
    if not window or len(window) > 64:
        raise Invalid("a window name is 1 to 64 characters")
    with db.write() as uow:
        staff_session = uow.session.get(StaffSession, session_hash)
        if staff_session is None:
            raise NotFound("the session has ended; log in again")
        staff_session.window = window
        staff_session.services = ",".join(services)
