"""Which writing system each character belongs to, and runs of text by script.

Pure standard library: imported by the bot and by Rasa's environment alike.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Final

HAN: Final = "han"
THAI: Final = "thai"
LAO: Final = "lao"
KHMER: Final = "khmer"
MYANMAR: Final = "myanmar"
LATIN: Final = "latin"
OTHER_LETTERS: Final = "other"  # kana, hangul, cyrillic, ...: letters of no language we serve
COMMON: Final = "common"  # spaces, punctuation, digits, emoji, symbols

# Script of the seven languages' own letters; Latin is shared by English and Vietnamese.
SCRIPT_LANGUAGE: Final = {HAN: "zh", THAI: "th", LAO: "lo", KHMER: "km", MYANMAR: "my"}

_RANGES: Final = (
    (0x0E00, 0x0E7F, THAI),
    (0x0E80, 0x0EFF, LAO),
    (0x1000, 0x109F, MYANMAR),
    (0xA9E0, 0xA9FF, MYANMAR),
    (0xAA60, 0xAA7F, MYANMAR),
    (0x1780, 0x17FF, KHMER),
    (0x19E0, 0x19FF, KHMER),
    (0x3400, 0x4DBF, HAN),
    (0x4E00, 0x9FFF, HAN),
    (0xF900, 0xFAFF, HAN),
    (0x20000, 0x2FA1F, HAN),
)


def script_of(char: str) -> str:
    """The script of one character; combining marks answer COMMON (see `char_scripts`)."""
    code = ord(char)
    for low, high, script in _RANGES:
        if low <= code <= high:
            # Digits and punctuation of a script's own block still belong to that script.
            return script
    category = unicodedata.category(char)
    if category[0] != "L":
        return COMMON
    if code < 0x0250 or 0x1E00 <= code <= 0x1EFF or 0x2C60 <= code <= 0x2C7F:
        return LATIN
    return OTHER_LETTERS


def char_scripts(text: str) -> list[str]:
    """The script of each character; combining marks take the script of the letter before."""
    scripts: list[str] = []
    previous = COMMON
    for char in text:
        script = script_of(char)
        if script == COMMON and unicodedata.category(char) in ("Mn", "Mc") and previous != COMMON:
            script = previous
        scripts.append(script)
        previous = script
    return scripts


@dataclass(frozen=True)
class Run:
    """A stretch of text in one script: text[start:end]."""

    script: str
    start: int
    end: int


def runs(text: str) -> list[Run]:
    """Split text into runs of one script.

    Spaces, punctuation and digits between two letters of the same script stay inside that
    script's run ("đa dạng sinh học" is one Latin run), so each segmenter sees whole phrases.
    What stands between runs of different scripts, or at either end, is a COMMON run.
    """
    scripts = char_scripts(text)
    result: list[Run] = []
    i = 0
    n = len(text)
    while i < n:
        script = scripts[i]
        j = i + 1
        if script == COMMON:
            while j < n and scripts[j] == COMMON:
                j += 1
            result.append(Run(COMMON, i, j))
            i = j
            continue
        end = j
        while j < n:
            if scripts[j] == script:
                j += 1
                end = j
            elif scripts[j] == COMMON:
                j += 1
            else:
                break
        result.append(Run(script, i, end))
        i = end
    return _merge_common(result)


def _merge_common(result: list[Run]) -> list[Run]:
    merged: list[Run] = []
    for run in result:
        if merged and merged[-1].script == run.script == COMMON:
            merged[-1] = Run(COMMON, merged[-1].start, run.end)
        else:
            merged.append(run)
    return merged


def letter_counts(text: str) -> dict[str, int]:
    """How many letters (with their marks) of each script the text holds."""
    counts: dict[str, int] = {}
    for script in char_scripts(text):
        if script != COMMON:
            counts[script] = counts.get(script, 0) + 1
    return counts
