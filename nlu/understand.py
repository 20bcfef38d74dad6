"""One step from raw chat text to meaning: normalise, identify the language, parse."""

from __future__ import annotations

from dataclasses import dataclass

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
        """The `python -m nlu parse` output (see DESIGN.md)."""
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


async def understand(client: NluClient, raw_text: str) -> Understanding:
    """Normalise raw_text (Zawgyi → Unicode, NFC), identify its language and parse it."""
    cleaned = normalize(raw_text)
    language = identify(cleaned.text)
    if not cleaned.text:
        return Understanding(cleaned.text, cleaned.zawgyi, language, Parse("nlu_fallback", 0.0))
    parse = await client.parse(cleaned.text)
    return Understanding(cleaned.text, cleaned.zawgyi, language, parse)
