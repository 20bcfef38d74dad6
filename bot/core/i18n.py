"""User-facing texts in the seven languages (bot/locales/<lang>.yml) and language names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from nlu.langid import LANGUAGES

__all__ = ["LANGUAGES", "NATIVE_NAMES", "Catalog"]

# Each language's name in itself, as on the language buttons.
NATIVE_NAMES = {
    "zh": "中文",
    "en": "English",
    "th": "ไทย",
    "vi": "Tiếng Việt",
    "km": "ខ្មែរ",
    "lo": "ລາວ",
    "my": "မြန်မာ",
}
LOCALES_DIR = Path(__file__).resolve().parent / "locales"


class Catalog:
    """Texts by language and key; English stands in only where a text is missing."""

    def __init__(self, texts: dict[str, dict[str, str]], fallback: str = "en") -> None:
        self.texts = texts
        self.fallback = fallback

    @classmethod
    def load(cls, directory: Path = LOCALES_DIR) -> Catalog:
        """locales/<lang>.yml, and each feature's locales/<feature>/<lang>.yml (keys unique)."""
        texts: dict[str, dict[str, str]] = {}
        for lang in LANGUAGES:
            merged: dict[str, str] = {}
            for path in [directory / f"{lang}.yml", *sorted(directory.glob(f"*/{lang}.yml"))]:
                if not path.exists():
                    continue
                data: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
                for key, value in data.items():
                    if str(key) in merged:
                        raise ValueError(f"{path}: text {key!r} is defined twice")
                    merged[str(key)] = str(value)
            if merged:
                texts[lang] = merged
        return cls(texts)

    def missing(self) -> dict[str, list[str]]:
        """Keys of the fallback language that a language lacks."""
        keys = set(self.texts.get(self.fallback, {}))
        return {
            lang: sorted(keys - set(self.texts.get(lang, {})))
            for lang in LANGUAGES
            if keys - set(self.texts.get(lang, {}))
        }

    def get(self, lang: str, key: str, **values: object) -> str:
        text = self.texts.get(lang, {}).get(key)
        if text is None:
            text = self.texts[self.fallback][key]
        return text.format(**values) if values else text
