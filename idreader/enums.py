"""Small enums shared by the pure modules (re-exported from :mod:`idreader.card`)."""

from __future__ import annotations

from enum import Enum, IntEnum


class Sex(IntEnum):
    """Sex code as written on the card (GB/T 2261.1)."""

    UNKNOWN = 0
    MALE = 1
    FEMALE = 2
    UNSTATED = 9

    @property
    def label(self) -> str:
        return {0: "未知", 1: "男", 2: "女", 9: "未说明"}[self.value]


class CardType(Enum):
    """The card-type character at bytes 248..249 of the text block."""

    RESIDENT_ID = " "
    HMT_RESIDENCE_PERMIT = "J"
    FOREIGN_PERMANENT_2017 = "I"
    FOREIGN_PERMANENT_2023 = "Y"

    @property
    def label(self) -> str:
        return _CARD_TYPE_LABELS[self]

    @property
    def is_foreign_permanent(self) -> bool:
        return self in (CardType.FOREIGN_PERMANENT_2017, CardType.FOREIGN_PERMANENT_2023)


_CARD_TYPE_LABELS = {
    CardType.RESIDENT_ID: "居民身份证",
    CardType.HMT_RESIDENCE_PERMIT: "港澳台居民居住证",
    CardType.FOREIGN_PERMANENT_2017: "外国人永久居留身份证(2017)",
    CardType.FOREIGN_PERMANENT_2023: "外国人永久居留身份证(2023)",
}
