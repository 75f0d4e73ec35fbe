"""Spoken texts: ticket numbers digit by digit, one prompt table for both languages."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.spoken import (
    LANGUAGES,
    Prompt,
    normalize_lang,
    prompt_params,
    prompt_text,
    spoken_ticket_number,
)

ZH_DIGITS = "零一二三四五六七八九"
EN_DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

ticket_numbers = st.builds(
    lambda prefix, digits: prefix + digits,
    st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    st.text(alphabet="0123456789", min_size=1, max_size=6),
)


def test_priority_number_in_chinese() -> None:
    assert spoken_ticket_number("L012", "zh") == "L 零 一 二"


def test_priority_number_in_english() -> None:
    assert spoken_ticket_number("L012", "en") == "L, zero, one, two"


@pytest.mark.parametrize(
    ("number", "zh", "en"),
    [
        ("A037", "A 零 三 七", "A, zero, three, seven"),
        ("L100", "L 一 零 零", "L, one, zero, zero"),
        ("B222", "B 二 二 二", "B, two, two, two"),
        ("L1000", "L 一 零 零 零", "L, one, zero, zero, zero"),
        ("l012", "L 零 一 二", "L, zero, one, two"),
        (" L012 ", "L 零 一 二", "L, zero, one, two"),
    ],
)
def test_examples(number: str, zh: str, en: str) -> None:
    assert spoken_ticket_number(number, "zh") == zh
    assert spoken_ticket_number(number, "en") == en


@given(ticket_numbers)
def test_chinese_reads_each_character_once_and_in_order(number: str) -> None:
    words = spoken_ticket_number(number, "zh").split(" ")
    assert words[0] == number[0]
    assert "".join(str(ZH_DIGITS.index(w)) for w in words[1:]) == number[1:]


@given(ticket_numbers)
def test_chinese_never_reads_a_quantity(number: str) -> None:
    text = spoken_ticket_number(number, "zh")
    for quantity_word in ("十", "百", "千", "两", "〇"):
        assert quantity_word not in text


@given(ticket_numbers)
def test_english_reads_each_character_once_and_in_order(number: str) -> None:
    words = spoken_ticket_number(number, "en").split(", ")
    assert words[0] == number[0]
    assert "".join(str(EN_DIGITS.index(w)) for w in words[1:]) == number[1:]


@pytest.mark.parametrize("bad", ["", "   ", "L-012", "L０１２", "L01.2", "号12"])
def test_rejects_what_is_not_a_ticket_number(bad: str) -> None:
    with pytest.raises(ValueError):
        spoken_ticket_number(bad, "zh")


@pytest.mark.parametrize(
    ("given_lang", "expected"),
    [("zh", "zh"), ("zh-CN", "zh"), ("zh_cn", "zh"), ("cmn", "zh"), ("en", "en"), ("en-US", "en")],
)
def test_language_tags(given_lang: str, expected: str) -> None:
    assert normalize_lang(given_lang) == expected


def test_unsupported_language_is_an_error() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        spoken_ticket_number("L012", "fr")


def test_ticket_issued_prompt_in_chinese() -> None:
    text = prompt_text("ticket_issued", "zh", number="L012", place="3号窗口")
    assert text == "您的号码是 L 零 一 二，请到 3号窗口 等候，请取走您的票。"


def test_ticket_issued_prompt_in_english() -> None:
    text = prompt_text(Prompt.TICKET_ISSUED, "en", number="A037", place="window 12")
    assert text == (
        "Your number is A, zero, three, seven. Please wait at window 12. Please take your ticket."
    )


def test_not_eligible_keeps_one_full_stop() -> None:
    zh = prompt_text("not_eligible", "zh", reason="今天的优先号已经用完。")
    en = prompt_text("not_eligible", "en", reason="today's priority tickets are used up.")
    assert zh == "抱歉，您现在不能取优先号：今天的优先号已经用完。您可以取普通号，或按需要帮助。"
    assert en == (
        "Sorry, no priority ticket: today's priority tickets are used up. "
        "Take a regular ticket, or tap Help."
    )


@pytest.mark.parametrize("key", list(Prompt))
def test_every_prompt_exists_in_both_languages_with_the_same_params(key: Prompt) -> None:
    params = {lang: prompt_params(key, lang) for lang in LANGUAGES}
    assert params["zh"] == params["en"]
    values = {
        "number": "L012",
        "place": "3号窗口",
        "reason": "不在名单上",
        "ahead": 12,
        "minutes": 25,
    }
    for lang in LANGUAGES:
        text = prompt_text(key, lang, **{name: values[name] for name in params[lang]})
        assert text.strip() == text and text
        assert "{" not in text and "}" not in text


def test_ticket_with_the_wait_says_how_many_and_how_long() -> None:
    zh = prompt_text(
        "ticket_issued_wait", "zh", number="A037", place="3号窗口", ahead=12, minutes=25
    )
    assert "前面还有 12 人，约 25 分钟" in zh


@pytest.mark.parametrize("key", list(Prompt))
def test_prompts_are_short(key: Prompt) -> None:
    values = {
        "number": "L012",
        "place": "3号窗口",
        "reason": "不在名单上",
        "ahead": 12,
        "minutes": 25,
    }
    chosen = {name: values[name] for name in prompt_params(key)}
    assert len(prompt_text(key, "zh", **chosen)) <= 40
    assert len(prompt_text(key, "en", **chosen).split()) <= 20


def test_chinese_prompts_hold_no_latin_words() -> None:
    # The Mandarin voice is chosen to read Latin letters as single letters (pinyin
    # voice on espeak-ng); an English word in a Chinese prompt would be spelled out.
    for key in Prompt:
        values = {
            "number": "012",
            "place": "3号窗口",
            "reason": "不在名单上",
            "ahead": 3,
            "minutes": 9,
        }
        text = prompt_text(key, "zh", **{name: values[name] for name in prompt_params(key)})
        assert not any(char.isascii() and char.isalpha() for char in text)


def test_unknown_prompt_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        prompt_text("no_such_prompt", "zh")
    with pytest.raises(KeyError):
        prompt_params("no_such_prompt")


def test_missing_or_unexpected_params_are_caller_errors() -> None:
    with pytest.raises(TypeError, match="missing"):
        prompt_text("ticket_issued", "zh", number="L012")
    with pytest.raises(TypeError, match="unexpected"):
        prompt_text("welcome", "zh", place="3号窗口")


def test_empty_param_is_rejected() -> None:
    with pytest.raises(ValueError):
        prompt_text("ticket_issued", "zh", number="L012", place=" ")


def test_place_ranges_are_read_as_ranges() -> None:
    from kiosk.domain.spoken import spoken_place

    assert spoken_place("二楼 B区 9-12号窗口", "zh") == "二楼 B区 9到12号窗口"
    assert spoken_place("Windows 1-3", "en") == "Windows 1 to 3"
    zh = prompt_text("ticket_issued", "zh", number="A001", place="1-3号窗口")
    assert "请到 1到3号窗口 等候" in zh
