"""Which characters the printer's own Chinese font can print (native tickets).

Pure functions, no I/O. A printer "with a GB18030 font" in practice holds glyphs for the
one- and two-byte part of GB18030 (ASCII, GBK: the GB2312 set plus 14,000 more hanzi,
punctuation, box drawing) and the CJK Extension A block that GB18030-2000 made
mandatory. The four-byte rest of Unicode (emoji, Hangul, Extension B and later hanzi such
as 𠀾) is encodable in GB18030 but has no glyph in such firmware. Printers that only know
GB2312 print the GB2312 set and nothing more. User-defined areas (private use) print
whatever the printer happens to hold there, so they are refused too.
"""

from __future__ import annotations

#: Printer font charsets, by the name used in settings.
CHARSETS = ("gb18030", "gb2312")

#: Drawn instead of a character the printer cannot print (native tickets only; the
#: catalogue check stops such characters before they get here).
REPLACEMENT = "?"

_EXT_A = range(0x3400, 0x4DC0)
_PRIVATE_USE = range(0xE000, 0xF900)


def printable(ch: str, charset: str = "gb18030") -> bool:
    """True when the printer's ``charset`` font has a glyph for the character ``ch``."""
    code = ord(ch)
    if code < 0x80:
        return 0x20 <= code < 0x7F
    if code in _PRIVATE_USE:
        return False
    if charset == "gb2312":
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            return False
        return True
    if charset != "gb18030":
        raise ValueError(f"charset must be one of {', '.join(CHARSETS)}, not {charset!r}")
    try:
        encoded = ch.encode("gb18030")
    except UnicodeEncodeError:  # lone surrogates
        return False
    return len(encoded) == 2 or code in _EXT_A


def unprintable_chars(text: str, charset: str = "gb18030") -> list[str]:
    """The distinct characters of ``text`` the printer's font cannot print, in order.

    Line breaks are allowed (the ticket layout breaks lines there); every other control
    character is refused.
    """
    bad: list[str] = []
    for ch in text:
        if ch in "\r\n" or ch in bad:
            continue
        if not printable(ch, charset):
            bad.append(ch)
    return bad


def describe_chars(chars: list[str]) -> str:
    """``'😀' (U+1F600), '𠀾' (U+2003E)`` for error messages."""
    return ", ".join(f"{ch!r} (U+{ord(ch):04X})" for ch in chars)


def encode_printable(text: str, charset: str = "gb18030") -> bytes:
    """``text`` in the printer's encoding; characters it cannot print become ``?``."""
    codec = "gb2312" if charset == "gb2312" else "gb18030"
    if not unprintable_chars(text, charset):
        return text.encode(codec)
    return "".join(ch if printable(ch, charset) else REPLACEMENT for ch in text).encode(codec)
