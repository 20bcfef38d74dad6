"""One step from raw chat text to meaning: normalise, identify the language, parse."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace

from nlu.client import NluClient, Parse
from nlu.langid import LanguageGuess, identify
from nlu.normalize import normalize


@dataclass(frozen=True)
class Understanding:
    """The normalised text, its language and what Rasa made of it."""

    text: str
    zawgyi: bool
    language: LanguageGuess
    parse: Parse

    def as_json(self) -> dict[str, object]:
        """The `python -m nlu parse` output (docs/architecture.md, "Contracts")."""
        return {
            "text": self.text,
            "language": self.language.lang,
            "intent": self.parse.intent,
            "confidence": round(self.parse.confidence, 4),
            "entities": [
                {
                    "entity": e.entity,
                    "value": e.value,
                    "start": e.start,
                    "end": e.end,
                    "text": e.text,
                }
                for e in self.parse.entities
            ],
        }


NOT_UNDERSTOOD = Parse("nlu_fallback", 0.0)


def has_content(text: str) -> bool:
    """Whether text holds anything to understand: a letter, a digit or a symbol such as an emoji.

    Punctuation and spaces alone ("!!!???", "...") mean nothing a model could tell.
    """
    return any(unicodedata.category(char)[0] in "LNS" for char in text)


def read(raw_text: str) -> Understanding:
    """What can be told without Rasa: the normalised text and its language."""
    cleaned = normalize(raw_text)
    return Understanding(cleaned.text, cleaned.zawgyi, identify(cleaned.text), NOT_UNDERSTOOD)


async def understand(client: NluClient, raw_text: str) -> Understanding:
    """Normalise raw_text (Zawgyi → Unicode, NFC), identify its language and parse it.

    Raises NluUnavailable when Rasa cannot be reached; `read` still tells the language.
    """
    local = read(raw_text)
    if not has_content(local.text):
        return local
    return replace(local, parse=await client.parse(local.text))
