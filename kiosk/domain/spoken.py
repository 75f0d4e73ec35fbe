"""What the kiosk says aloud, as plain text in Chinese (``zh``) or English (``en``).

Pure functions, no I/O: the speech service turns these strings into sound.

Ticket numbers are read character by character (``L012`` -> ``L 零 一 二`` /
``L, zero, one, two``), never as a quantity ("twelve", "十二"): a visitor compares what
they hear with what is printed, one character at a time. Prompts are short and
friendly, for listeners who are often elderly: one instruction per sentence.

Other numbers in prompts (the window) stay as digits; speech engines read them as
ordinary numbers ("3 号窗口" -> "三号窗口").
"""

from __future__ import annotations

import re
from enum import StrEnum
from string import Formatter
from typing import Final, Literal

Lang = Literal["zh", "en"]
LANGUAGES: Final[tuple[Lang, ...]] = ("zh", "en")

# 零 (not 〇) and 二 (not 两): the forms used when reading out digits one by one.
_ZH_DIGITS: Final = "零一二三四五六七八九"
_EN_DIGITS: Final = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def normalize_lang(lang: str) -> Lang:
    """``"zh"``, ``"zh-CN"``, ``"zh_cn"``, ``"cmn"`` -> ``"zh"``; ``"en"``, ``"en-US"`` -> ``"en"``.

    Raises ``ValueError`` for any other language: the kiosk has no texts for it.
    """
    base = lang.strip().replace("_", "-").split("-", 1)[0].lower()
    if base in ("zh", "cmn"):
        return "zh"
    if base == "en":
        return "en"
    raise ValueError(f"unsupported language {lang!r}; the kiosk speaks {', '.join(LANGUAGES)}")


def spoken_ticket_number(number: str, lang: str) -> str:
    """Spell a ticket number out: letters as letters, each digit on its own.

    ``spoken_ticket_number("L012", "zh") == "L 零 一 二"``;
    ``spoken_ticket_number("L012", "en") == "L, zero, one, two"`` (the commas give the
    listener a short pause between characters).
    """
    language = normalize_lang(lang)
    text = number.strip()
    if not text:
        raise ValueError("ticket number is empty")
    words: list[str] = []
    for char in text:
        if "0" <= char <= "9":
            digit = ord(char) - ord("0")
            words.append(_ZH_DIGITS[digit] if language == "zh" else _EN_DIGITS[digit])
        elif char.isascii() and char.isalpha():
            words.append(char.upper())
        else:
            raise ValueError(f"ticket number may hold only letters and digits, got {number!r}")
    return (" " if language == "zh" else ", ").join(words)


_RANGE = re.compile(r"(\d+)\s*[-–~～]\s*(\d+)")


def spoken_place(place: str, lang: str) -> str:
    """Make a place readable aloud: "1-3号窗口" -> "1到3号窗口", "Windows 1-3" -> "...1 to 3"."""
    joiner = "到" if normalize_lang(lang) == "zh" else " to "
    return _RANGE.sub(lambda m: f"{m.group(1)}{joiner}{m.group(2)}", place)


class Prompt(StrEnum):
    """One spoken prompt per kiosk step; the value is the key ``prompt_text`` takes."""

    WELCOME = "welcome"
    CHOOSE_SERVICE = "choose_service"
    LAY_ID_CARD = "lay_id_card"
    OFFER_GREEN_CHANNEL = "offer_green_channel"
    READING_CARD = "reading_card"
    CARD_READ_FAILED = "card_read_failed"
    SCAN_NOT_PROOF = "scan_not_proof"
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    PRINTING = "printing"
    TICKET_ISSUED = "ticket_issued"
    TICKET_ISSUED_WAIT = "ticket_issued_wait"
    TAKE_TICKET = "take_ticket"
    PRINT_FAILED = "print_failed"
    ASK_STAFF = "ask_staff"
    OUT_OF_SERVICE = "out_of_service"
    THANK_YOU = "thank_you"
    TICKET_NUMBER = "ticket_number"
    TICKET_PRINTED = "ticket_printed"
    TICKET_REPRINTED = "ticket_reprinted"
    NUMBER_NOT_PRINTED = "number_not_printed"
    NO_ID_CARD = "no_id_card"
    HELP_CALLED = "help_called"
    STILL_THERE = "still_there"
    LISTEN_MODE = "listen_mode"
    SERVICE_CLOSED = "service_closed"


# Parameters: {number} is a ticket number such as "L012" (spelled out by
# spoken_ticket_number); {place} where to wait, as the catalogue says it ("3号窗口",
# "Windows 1-3"; a range's hyphen is read as 到 / "to"); {reason} a short reason
# already written in the prompt's language (e.g. "不在名单上" / "you are not on the list").
_TEMPLATES: Final[dict[Prompt, dict[Lang, str]]] = {
    Prompt.WELCOME: {
        "zh": "您好，欢迎光临。请点选您要办理的业务。",
        "en": "Hello, welcome. Please tap the service you need.",
    },
    Prompt.CHOOSE_SERVICE: {
        "zh": "请点选您要办理的业务。",
        "en": "Please tap the service you need.",
    },
    Prompt.LAY_ID_CARD: {
        "zh": "请把身份证放在读卡区上。",
        "en": "Please place your ID card on the card reader.",
    },
    Prompt.OFFER_GREEN_CHANNEL: {
        "zh": "六十岁以上老人、低保等困难群众，请把身份证放在读卡区上；其他人请点直接取号。",
        "en": "Over 60 or on low income? Place your ID card on the reader. "
        "Otherwise tap: normal ticket.",
    },
    Prompt.READING_CARD: {
        "zh": "正在读卡，请不要拿开身份证。",
        "en": "Reading your card. Please leave it in place.",
    },
    Prompt.CARD_READ_FAILED: {
        "zh": "没有读到身份证，请重新放一次。",
        "en": "The card could not be read. Please place it again.",
    },
    Prompt.SCAN_NOT_PROOF: {
        "zh": "这个码不能证明身份。请把身份证放在读卡区上，或找工作人员。",
        "en": "This code cannot prove who you are. Please place your ID card on the reader, "
        "or ask staff.",
    },
    Prompt.ELIGIBLE: {
        "zh": "您可以走绿色通道。请点选您要办理的业务。",
        "en": "You can use the priority service. Please tap the service you need.",
    },
    Prompt.NOT_ELIGIBLE: {
        "zh": "抱歉，您现在不能取优先号：{reason}。您可以取普通号，或按需要帮助。",
        "en": "Sorry, no priority ticket: {reason}. Take a regular ticket, or tap Help.",
    },
    Prompt.PRINTING: {
        "zh": "正在出票，请稍等。",
        "en": "Printing your ticket. One moment, please.",
    },
    Prompt.TICKET_ISSUED: {
        "zh": "您的号码是 {number}，请到 {place} 等候，请取走您的票。",
        "en": "Your number is {number}. Please wait at {place}. Please take your ticket.",
    },
    Prompt.TICKET_ISSUED_WAIT: {
        "zh": "{number} 号，前面还有 {ahead} 人，约 {minutes} 分钟，请到 {place} 等候。",
        "en": "Your number is {number}. {ahead} ahead, about {minutes} minutes. "
        "Please wait at {place}.",
    },
    Prompt.TAKE_TICKET: {
        "zh": "请取走您的票。",
        "en": "Please take your ticket.",
    },
    Prompt.PRINT_FAILED: {
        "zh": "抱歉，出票失败。请找工作人员帮忙。",
        "en": "Sorry, the ticket could not be printed. Please ask a member of staff.",
    },
    Prompt.ASK_STAFF: {
        "zh": "请找工作人员帮忙。",
        "en": "Please ask a member of staff for help.",
    },
    Prompt.OUT_OF_SERVICE: {
        "zh": "本机暂停服务，请找工作人员帮忙。",
        "en": "This machine is out of service. Please ask a member of staff.",
    },
    Prompt.THANK_YOU: {
        "zh": "谢谢，祝您办事顺利。",
        "en": "Thank you. Have a good day.",
    },
    # The number as soon as it exists; the paper may take seconds on a slow printer.
    Prompt.TICKET_NUMBER: {
        "zh": "您的号码是 {number}，请到 {place} 等候。号票正在打印。",
        "en": "Your number is {number}. Please wait at {place}. Your ticket is printing.",
    },
    # Said again in full when the paper is out, in case the first was cut short.
    Prompt.TICKET_PRINTED: {
        "zh": "请取走号票。您的号码是 {number}，请到 {place} 等候。",
        "en": "Please take your ticket. Your number is {number}. Please wait at {place}.",
    },
    Prompt.TICKET_REPRINTED: {
        "zh": "您今天已取过这个号，已为您补打。您的号码是 {number}。",
        "en": "You already had this ticket today; here is a copy. Your number is {number}.",
    },
    Prompt.NUMBER_NOT_PRINTED: {
        "zh": "号票没有打出来，请找工作人员。您的号码是 {number}。",
        "en": "The ticket did not print. Please ask staff. Your number is {number}.",
    },
    Prompt.NO_ID_CARD: {
        "zh": "没带身份证，请到服务台请工作人员核实，或直接取普通号。",
        "en": "No ID card? Staff at the service desk can check by hand, or take a normal ticket.",
    },
    Prompt.HELP_CALLED: {
        "zh": "已通知工作人员，请在这里稍等，也可以到服务台。",
        "en": "Staff have been called. Please wait here, or go to the service desk.",
    },
    Prompt.STILL_THERE: {
        "zh": "还需要办理吗？需要请点继续。",
        "en": "Do you still need the kiosk? If so, tap Continue.",
    },
    Prompt.LISTEN_MODE: {
        "zh": "朗读模式已打开。点一下会读给您听，再点一下就是选它。",
        "en": "Read-aloud is on. Tap once to hear a button, tap again to choose it.",
    },
    Prompt.SERVICE_CLOSED: {
        "zh": "现在不能取这个号：{reason}。如需帮助请按需要帮助。",
        "en": "No tickets for this service now: {reason}. For help, tap Help.",
    },
}

# Trailing punctuation is dropped from a caller's reason: the template adds its own.
_TRAILING_PUNCTUATION: Final = "。．.！!，,；;：: "


def _prompt(key: str) -> Prompt:
    try:
        return Prompt(key)
    except ValueError:
        raise KeyError(key) from None


def _template_fields(template: str) -> frozenset[str]:
    return frozenset(field for _, field, _, _ in Formatter().parse(template) if field)


def prompt_params(key: str, lang: str = "zh") -> frozenset[str]:
    """The parameter names ``prompt_text(key, lang, ...)`` needs. Unknown key: ``KeyError``."""
    return _template_fields(_TEMPLATES[_prompt(key)][normalize_lang(lang)])


def prompt_text(key: str, lang: str, **params: object) -> str:
    """The sentence to say for one kiosk step, e.g.

    ``prompt_text("ticket_issued", "zh", number="L012", place="3号窗口")``
    -> ``"您的号码是 L 零 一 二，请到 3号窗口 等候，请取走您的票。"``

    Unknown key: ``KeyError``. Missing or unexpected parameters: ``TypeError``, so a typo
    in a caller fails in its tests instead of saying something half-empty.
    """
    language = normalize_lang(lang)
    template = _TEMPLATES[_prompt(key)][language]
    wanted = _template_fields(template)
    missing = wanted - params.keys()
    unexpected = params.keys() - wanted
    if missing or unexpected:
        raise TypeError(
            f"prompt {key!r} takes {sorted(wanted)}; missing {sorted(missing)}, "
            f"unexpected {sorted(unexpected)}"
        )
    values: dict[str, str] = {}
    for name, value in params.items():
        text = str(value).strip()
        if name == "number":
            text = spoken_ticket_number(text, language)
        elif name == "reason":
            text = text.rstrip(_TRAILING_PUNCTUATION)
        elif name == "place":
            text = spoken_place(text, language)
        if not text:
            raise ValueError(f"prompt {key!r}: parameter {name!r} is empty")
        values[name] = text
    return template.format_map(values)
