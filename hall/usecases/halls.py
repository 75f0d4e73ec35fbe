"""Halls and their clients (kiosks, counters): creation, tokens, catalogue."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hall.errors import Conflict, Invalid, NotFound
from hall.keys import KeyStore
from hall.store.db import Database, StoreError
from hall.store.models import Client, Hall, Role
from hall.tokens import new_token, token_hash
from hall.usecases import ClientRef
from sync.protocol import Catalogue, validation_details


def find_hall(session: Session, name: str) -> Hall:
    hall = session.scalars(select(Hall).where(Hall.name == name)).first()
    if hall is None:
        raise NotFound(f"no hall named {name!r} (create it with `hall create`)")
    return hall


def create_hall(db: Database, keys: KeyStore, name: str, now: datetime) -> int:
    name = name.strip()
    if not name or len(name) > 64:
        raise Invalid("a hall name is 1 to 64 characters")
    key_id = keys.create(name)
    try:
        with db.write() as uow:
            hall = Hall(name=name, created_at=now, roster_key_id=key_id)
            uow.session.add(hall)
            uow.session.flush()
            return hall.id
    except StoreError as e:
        if isinstance(e.__cause__, IntegrityError):
            raise Conflict(f"a hall named {name!r} exists already") from e
        raise


def add_client(db: Database, hall_name: str, name: str, role: str, now: datetime) -> str:
    """Register a kiosk or counter; returns its token (shown once, stored hashed)."""
    if role not in (Role.KIOSK, Role.COUNTER):
        raise Invalid(f"unknown role {role!r}")
    name = name.strip()
    if not name or len(name) > 32:
        raise Invalid("a kiosk or counter name is 1 to 32 characters")
    token = new_token()
    with db.write() as uow:
        hall = find_hall(uow.session, hall_name)
        exists = uow.session.scalars(
            select(Client).where(
                Client.hall_id == hall.id, Client.role == role, Client.name == name
            )
        ).first()
        if exists is not None:
            raise Conflict(f"{role} {name!r} exists already in {hall_name} (rotate its token)")
        uow.session.add(
            Client(
                hall_id=hall.id, role=role, name=name, token_hash=token_hash(token), created_at=now
            )
        )
    return token


def rotate_token(db: Database, hall_name: str, name: str, role: str, now: datetime) -> str:
    """A new token for a client; the old one stops working at once. Also un-revokes."""
    token = new_token()
    with db.write() as uow:
        client = _client(uow.session, hall_name, name, role)
        client.token_hash = token_hash(token)
        client.rotated_at = now
        client.revoked_at = None
    return token


def revoke_token(db: Database, hall_name: str, name: str, role: str, now: datetime) -> None:
    with db.write() as uow:
        client = _client(uow.session, hall_name, name, role)
        client.revoked_at = now


def _client(session: Session, hall_name: str, name: str, role: str) -> Client:
    hall = find_hall(session, hall_name)
    client = session.scalars(
        select(Client).where(Client.hall_id == hall.id, Client.role == role, Client.name == name)
    ).first()
    if client is None:
        raise NotFound(f"no {role} named {name!r} in {hall_name}")
    return client


def authenticate(db: Database, token: str) -> ClientRef | None:
    """The client a bearer token belongs to, or None (unknown, rotated away or revoked)."""
    with db.read() as session:
        row = session.execute(
            select(Client, Hall.name)
            .join(Hall, Hall.id == Client.hall_id)
            .where(Client.token_hash == token_hash(token), Client.revoked_at.is_(None))
        ).first()
        if row is None:
            return None
        client, hall_name = row
        return ClientRef(client.id, client.hall_id, hall_name, client.role, client.name)


def catalogue_etag(body: str) -> str:
    return '"' + hashlib.sha256(body.encode("utf-8")).hexdigest()[:32] + '"'


def set_catalogue(db: Database, hall_name: str, data: object) -> str:
    """Validate and store a hall's catalogue; returns its new ETag."""
    try:
        catalogue = Catalogue.model_validate(data)
    except ValidationError as e:
        raise Invalid("the catalogue is not valid", validation_details(e)) from e
    body = catalogue.model_dump_json()
    etag = catalogue_etag(body)
    with db.write() as uow:
        hall = find_hall(uow.session, hall_name)
        hall.catalogue_json = body
        hall.catalogue_etag = etag
        uow.notify(hall.id, "catalogue.changed", etag=etag)
    return etag


def get_catalogue(db: Database, hall_id: int) -> tuple[Catalogue, str]:
    with db.read() as session:
        hall = session.get(Hall, hall_id)
        if hall is None or hall.catalogue_json is None or hall.catalogue_etag is None:
            raise NotFound("this hall has no catalogue yet (`hall catalogue set`)")
        return Catalogue.model_validate(json.loads(hall.catalogue_json)), hall.catalogue_etag


def hall_id(db: Database, hall_name: str) -> int:
    with db.read() as session:
        return find_hall(session, hall_name).id
