"""GreenChannelService: who is this visitor, and do they get a priority ticket?

Cards arrive from the ReaderService (never through the UI), are looked up in the roster on
the ``identify`` worker thread, and leave as an :class:`Identification` that holds only a
keyed hash and masked text: the plain ID number never reaches the UI or the database.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from PySide6.QtCore import QObject, Signal, Slot

from idreader.card import SERVICE_CODE_PATTERN, IdentityCard, ScannedCode
from idreader.errors import InvalidIdNumber
from idreader.idnumber import birth_date_of, mask_id_number, mask_name, validate_id_number
from kiosk.domain.catalogue import Service
from kiosk.domain.clock import Clock, business_day
from kiosk.domain.eligibility import REASON_STAFF, AgeRule, Decision, RosterMatch, decide
from kiosk.domain.ticket import TicketRequest, visitor_reference
from kiosk.services.worker import ResourceWorker
from kiosk.store import roster as roster_store
from kiosk.store import tickets as ticket_store
from kiosk.store.db import Database
from kiosk.store.secrets import TICKET_KEY, local_key, person_hash
from roster.priority_card import (
    CODE_PATTERN,
    PriorityCardError,
    looks_like_priority_code,
    verify_code,
)

log = logging.getLogger(__name__)

REASON_UNKNOWN_CARD = "unknown_card"
REASON_UNSIGNED_SCAN = "unsigned_scan"
REASON_BAD_PRIORITY_CARD = "bad_priority_card"
REASON_DAILY_LIMIT = "daily_limit"


@dataclass(frozen=True)
class GreenChannelRules:
    age_rule: AgeRule = AgeRule(enabled=True, threshold=60)  # noqa: RUF009 (frozen)
    #: A bare ID number from a line device counts only if that device reads chips.
    trust_scanned_numbers: bool = False
    #: Hall keys that scanned priority cards must be signed with (key id -> key).
    priority_card_keys: Mapping[str, Ed25519PublicKey] = field(default_factory=dict)
    #: Priority tickets one person gets per day; the card result says when it is used.
    max_priority_tickets_per_day: int = 3


#: What a line device may send: a service-card code or a hall-signed priority card.
SCANNABLE_CODE = re.compile(f"(?:{SERVICE_CODE_PATTERN.pattern})|(?:{CODE_PATTERN.pattern})")


@dataclass(frozen=True)
class Identification:
    """A visitor as the kiosk may remember them: decision, keyed hash, masked text.

    The masked number and name are for the screen during this visit only: they go into no
    ticket record, log line or outbox event (``visitor_ref`` does, where one is needed).
    """

    decision: Decision
    id_hash: str
    id_masked: str
    name_masked: str = ""
    source: str = "card"  # card | scan | staff
    staff: str | None = None
    staff_reason: str | None = None
    visitor_ref: str = ""

    @property
    def eligible(self) -> bool:
        return self.decision.eligible

    def ticket_request(self, service: Service) -> TicketRequest:
        return TicketRequest(
            service_code=service.code,
            service_prefix=service.prefix,
            priority=self.decision.eligible,
            category=self.decision.category,
            reason=self.decision.reason,
            id_hash=self.id_hash or None,
            staff=self.staff,
            staff_reason=self.staff_reason,
        )


@dataclass(frozen=True)
class ManualPreview:
    """What the roster and the age rule say about a typed ID number (masked only)."""

    id_masked: str
    matches: tuple[RosterMatch, ...]
    age: int | None
    decision: Decision


class GreenChannelService(QObject):
    manual_previewed = Signal(object)  # ManualPreview
    identifying = Signal()
    identified = Signal(object)  # Identification
    identification_failed = Signal(str)  # reason key for the screen

    def __init__(
        self, db: Database, clock: Clock, rules: GreenChannelRules, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._db = db
        self._clock = clock
        self._rules = rules
        self._worker = ResourceWorker("identify", self)
        self._ticket_key: bytes | None = None
        self.accepting_cards = True

    @Slot(bool)
    def set_accepting_cards(self, accepting: bool) -> None:
        """The screen says whether a laid card means anything right now."""
        self.accepting_cards = accepting

    def shutdown(self) -> None:
        self._worker.shutdown(wait=True)

    @Slot(object)
    def identify_card(self, card: IdentityCard | ScannedCode) -> None:
        if not self.accepting_cards:
            log.info("card ignored: the kiosk is not waiting for one")
            return
        self.identifying.emit()
        self._worker.submit(lambda: self._identify_job(card), self._done, self._failed)

    @Slot(object, str, str)
    def identify_manual(self, id_number: str | None, staff: str, reason: str) -> None:
        """Staff vouch for a visitor: with an ID number typed in, or none at all."""
        self.identifying.emit()
        self._worker.submit(
            lambda: self._manual_job(id_number, staff, reason), self._done, self._failed
        )

    @Slot(str)
    def preview_manual(self, id_number: str) -> None:
        """Before staff vouch for someone: what do the roster and the age rule say?"""
        self._worker.submit(
            lambda: self._preview_job(id_number), self.manual_previewed.emit, self._failed
        )

    # -- worker thread ------------------------------------------------------------

    def _preview_job(self, id_number: str) -> ManualPreview:
        today = self._today()
        try:
            number = validate_id_number(id_number, today)
        except InvalidIdNumber as e:
            raise LookupError("invalid_id_number") from e
        matches = tuple(roster_store.lookup(self._db, number, today=today))
        birth = birth_date_of(number)
        decision = decide(matches, birth, today, self._rules.age_rule)
        return ManualPreview(mask_id_number(number), matches, decision.age, decision)

    def _today(self) -> date:
        return business_day(self._clock.now())

    def _hash(self, id_number: str) -> str:
        if self._ticket_key is None:
            self._ticket_key = local_key(self._db, TICKET_KEY)
        return person_hash(self._ticket_key, id_number)

    def _decide(
        self,
        id_number: str,
        birth: date | None,
        card_expired: bool,
        signed: Sequence[RosterMatch] = (),
    ) -> Decision:
        today = self._today()
        # No match for a number the roster cannot hold (e.g. a 2017 foreigner's card).
        matches = [*roster_store.lookup(self._db, id_number, today=today), *signed]
        return decide(matches, birth, today, self._rules.age_rule, card_expired=card_expired)

    def _identify_job(self, card: IdentityCard | ScannedCode) -> Identification:
        today = self._today()
        signed: list[RosterMatch] = []
        if isinstance(card, ScannedCode):
            if card.id_number is not None:
                if not self._rules.trust_scanned_numbers:
                    # Anyone can print a number: a scanner proves nothing by itself.
                    log.warning("scanned a bare ID number; only hall-signed cards count")
                    raise LookupError(REASON_UNSIGNED_SCAN)
                id_number = card.id_number
            elif looks_like_priority_code(card.text):
                try:
                    verified = verify_code(card.text, self._rules.priority_card_keys, today=today)
                except PriorityCardError as e:
                    log.warning("priority card refused: %s", e)
                    raise LookupError(REASON_BAD_PRIORITY_CARD) from e
                id_number = verified.id_number
                signed.append(RosterMatch(verified.category, None, verified.valid_to))
            else:
                # A printed priority-service card whose code the roster does not carry yet.
                raise LookupError(REASON_UNKNOWN_CARD)
            birth, expired, name, source = None, False, "", "scan"
        else:
            id_number, birth = card.id_number, card.birth_date
            expired, name, source = card.is_expired(today), card.name, "card"
        if birth is None:
            try:
                birth = birth_date_of(id_number)
            except InvalidIdNumber:
                birth = None
        id_hash = self._hash(id_number)
        decision = self._decide(id_number, birth, expired, signed)
        if decision.eligible:
            # Said at the card, before the service choice: never "you may use the green
            # channel" followed by a normal ticket.
            used = ticket_store.priority_tickets_today(self._db, today, id_hash)
            if used >= self._rules.max_priority_tickets_per_day:
                decision = Decision(
                    False, REASON_DAILY_LIMIT, None, decision.age, decision.card_expired
                )
        ident = Identification(
            decision,
            id_hash,
            mask_id_number(id_number),
            mask_name(name),
            source,
            visitor_ref=visitor_reference(id_hash, today),
        )
        log.info(
            "identified visitor %s by %s: %s (%s%s)",
            ident.visitor_ref,
            source,
            "eligible" if decision.eligible else "not eligible",
            decision.reason,
            ", card expired" if expired else "",
        )
        return ident

    def _manual_job(self, id_number: str | None, staff: str, reason: str) -> Identification:
        if not staff.strip() or not reason.strip():
            raise LookupError("staff_details_missing")
        if id_number:
            try:
                number = validate_id_number(id_number, self._today())
            except InvalidIdNumber as e:
                raise LookupError("invalid_id_number") from e
            id_hash = self._hash(number)
            masked = mask_id_number(number)
            roster = self._decide(number, birth_date_of(number), False)
            category = roster.category if roster.eligible else None
        else:
            id_hash, masked, category = "", "", None
        decision = Decision(True, REASON_STAFF, category or "staff_verified")
        ref = visitor_reference(id_hash, self._today()) if id_hash else ""
        log.info("staff %s identified visitor %s by hand: %s", staff, ref or "(no ID)", reason)
        return Identification(
            decision, id_hash, masked, "", "staff", staff.strip(), reason.strip(), ref
        )

    # -- back on the GUI thread -----------------------------------------------------

    def _done(self, ident: Identification) -> None:
        self.identified.emit(ident)

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, LookupError) and error.args:
            key = str(error.args[0])
        else:
            log.error("identification failed", exc_info=error)
            key = "error"
        self.identification_failed.emit(key)
