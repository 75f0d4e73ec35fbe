"""Resident ID card readers: frame codec, card parsing, serial reader loop, simulator, fake.

A hardware library: no Qt, no SQLAlchemy, no ``kiosk`` imports. Importing the package
(and the pure modules re-exported here) does not import pyserial; only
:mod:`idreader.reader`, :mod:`idreader.line_reader`, :mod:`idreader.transport` and
:mod:`idreader.simulator` touch devices.

Modules:

- :mod:`idreader.errors` - the error tree (``CardReaderError`` and below)
- :mod:`idreader.idnumber` - GB 11643 validation, legacy upgrade, masking (pure)
- :mod:`idreader.card` - ``IdentityCard``, ``ScannedCode``, the 256-byte text block (pure)
- :mod:`idreader.codec` - frames: build requests, decode replies from a stream (pure)
- :mod:`idreader.base` - ``ReaderState``, the ``CardReader`` protocol (pure)
- :mod:`idreader.reader` - ``SerialCardReader`` (pyserial)
- :mod:`idreader.line_reader` - ``LineCardReader`` for line-mode devices (pyserial)
- :mod:`idreader.simulator` - ``ReaderSimulator`` on a pty; ``python -m idreader.simulator``
- :mod:`idreader.fake` - ``FakeCardReader`` for UI tests
- :mod:`idreader.testing` - ``make_card()``: synthetic cards, no real person's data
"""

from idreader.base import CardReader, ReaderState
from idreader.card import IdentityCard, ScannedCode
from idreader.enums import CardType, Sex
from idreader.errors import (
    CardDataError,
    CardReaderError,
    InvalidIdNumber,
    ReaderOffline,
)
from idreader.idnumber import mask_id_number, mask_name, validate_id_number

__all__ = [
    "CardDataError",
    "CardReader",
    "CardReaderError",
    "CardType",
    "IdentityCard",
    "InvalidIdNumber",
    "ReaderOffline",
    "ReaderState",
    "ScannedCode",
    "Sex",
    "mask_id_number",
    "mask_name",
    "validate_id_number",
]
