"""Roster categories: the codes and the Chinese names used in hall rosters (pure)."""

from __future__ import annotations

from enum import Enum


class Category(Enum):
    """Roster categories, with the Chinese names used in hall rosters."""

    SUBSISTENCE = "subsistence"  # 低保
    EXTREME_POVERTY = "extreme_poverty"  # 特困
    NEAR_SUBSISTENCE = "near_subsistence"  # 低保边缘
    ELDERLY = "elderly"  # 老年人
    DISABLED = "disabled"  # 残疾人

    @property
    def name_zh(self) -> str:
        return _NAMES_ZH[self]

    @classmethod
    def parse(cls, text: str) -> Category:
        """Accept the code (``subsistence``) or the Chinese name (``低保``)."""
        value = text.strip()
        for category in cls:
            if value.lower() == category.value or value == category.name_zh:
                return category
        raise ValueError(f"unknown category {text!r}")


_NAMES_ZH = {
    Category.SUBSISTENCE: "低保",
    Category.EXTREME_POVERTY: "特困",
    Category.NEAR_SUBSISTENCE: "低保边缘",
    Category.ELDERLY: "老年人",
    Category.DISABLED: "残疾人",
}
