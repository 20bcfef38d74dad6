"""Make chat text safe and uniform before anything reads it.

Zawgyi-encoded Burmese is detected (Google's myanmartools) and converted to Unicode
(python-myanmar); the result is NFC with invisible characters removed. Pure Python:
imported by the bot and by Rasa's environment alike.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# Above this probability a Myanmar-script text is treated as Zawgyi; above the lower one too
# when it holds code points that Burmese in Unicode does not use (Zawgyi's stacked letters).
ZAWGYI_THRESHOLD = 0.999
ZAWGYI_THRESHOLD_WITH_MARKERS = 0.5
_ZAWGYI_MARKERS = re.compile("[\u1060-\u1097]")

# Invisible and direction marks, and lone surrogates (no character: not encodable).
_INVISIBLE = re.compile(
    "[\u00ad\u180e\u200b\u200e\u200f\u2060-\u2064\ufeff\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
# Zero-width joiners are kept only inside emoji sequences (👩‍🌾), where they mean something.
_STRAY_JOINER = re.compile("\u200c|(?<![\U0001f000-\U0001faff\u2600-\u27bf\ufe0f])\u200d")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u3000]+")
_MYANMAR = re.compile("[\u1000-\u109f]")
# Zawgyi writers type the digit zero for the letter WA and seven for RA inside words.
_ZERO_AS_WA = re.compile(
    "(?<=[\u1000-\u102a\u103b-\u103e\u1031])\u1040|\u1040(?=[\u102b-\u103e\u1031])"
)
_SEVEN_AS_RA = re.compile(
    "(?<=[\u1000-\u102a])\u1047(?=[\u102b-\u103e])|\u1047(?=[\u102b-\u1030\u1036-\u103a])"
)
_LEADING_E = re.compile("(?<![\u1000-\u109f])\u1031([\u1000-\u102a][\u103b-\u103e]*)")


@dataclass(frozen=True)
class NormalizedText:
    """The cleaned text and what was done to it."""

    text: str
    zawgyi: bool = False


@lru_cache(maxsize=1)
def _zawgyi_detector() -> Any:
    from myanmartools import ZawgyiDetector

    return ZawgyiDetector()


def zawgyi_probability(text: str) -> float:
    """Probability that text is Zawgyi-encoded Burmese (0.0 when it holds no Myanmar script)."""
    if not _MYANMAR.search(text):
        return 0.0
    return float(_zawgyi_detector().get_zawgyi_probability(text))


def is_zawgyi(text: str) -> bool:
    """True when text is Burmese typed in the Zawgyi encoding."""
    probability = zawgyi_probability(text)
    return probability > ZAWGYI_THRESHOLD or (
        probability > ZAWGYI_THRESHOLD_WITH_MARKERS and bool(_ZAWGYI_MARKERS.search(text))
    )


def zawgyi_to_unicode(text: str) -> str:
    """Convert Zawgyi-encoded Burmese to Unicode."""
    from myanmar import converter

    converted: str = converter.convert(text, "zawgyi", "unicode")
    converted = _ZERO_AS_WA.sub("\u101d", converted)
    converted = _SEVEN_AS_RA.sub("\u101b", converted)
    # Where the consonant was typed as a digit look-alike the converter leaves the vowel sign
    # E (ေ) at the start of a word; Unicode stores it after its consonant (and medials).
    return _LEADING_E.sub("\\1\u1031", converted)


def normalize(text: str) -> NormalizedText:
    """Clean a chat message: Zawgyi → Unicode, NFC, no control or invisible characters."""
    text = _CONTROL.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _INVISIBLE.sub("", text)
    text = _STRAY_JOINER.sub("", text)
    zawgyi = is_zawgyi(text)
    if zawgyi:
        text = zawgyi_to_unicode(text)
    text = unicodedata.normalize("NFC", text)
    text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return NormalizedText(text.strip(), zawgyi)
