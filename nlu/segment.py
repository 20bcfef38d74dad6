"""Word segmentation of multi-script chat text, run by run (Rasa's environment only).

Each run of one script goes to the segmenter made for its language: spaCy's blank pipelines for
Thai (PyThaiNLP), Chinese (jieba), Vietnamese (pyvi) and English; khmer-nltk for Khmer, LaoNLP for
Lao, and a syllable segmenter for Burmese. Offsets are exact offsets into the text given.
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from nlu.langid import latin_language
from nlu.scripts import COMMON, HAN, KHMER, LAO, LATIN, MYANMAR, THAI, runs

Span = tuple[str, int, int]

# Burmese syllable breaks (after Ye Kyaw Thu's sylbreak): a break before every consonant that is
# not stacked (preceded by virama ္) nor killed (followed by asat ် or virama), and before
# independent vowels, digits, Latin letters and punctuation.
_MY_CONSONANT = "က-အ"
_MY_OTHER = "ဣဤဥဦဧဩဪဿ၌၍၏၀-၉၊။"
_MY_BREAK = re.compile(
    f"(?<!\u1039)[{_MY_CONSONANT}](?![\u103a\u1039])|[{_MY_OTHER}a-zA-Z0-9]|[^\u1000-\u109f\\s]"
)


def _is_punctuation(token: str) -> bool:
    return all(unicodedata.category(c)[0] in "PZ" or c.isspace() for c in token)


def burmese_syllables(text: str) -> list[Span]:
    """Burmese text cut into syllables, with offsets."""
    starts = sorted({0, *(m.start() for m in _MY_BREAK.finditer(text))})
    spans: list[Span] = []
    for begin, end in zip(starts, [*starts[1:], len(text)], strict=False):
        piece = text[begin:end]
        stripped = piece.strip()
        if stripped:
            offset = begin + piece.index(stripped)
            spans.append((stripped, offset, offset + len(stripped)))
    return spans


def _align(words: list[str], text: str) -> list[Span]:
    """Offsets of words that a segmenter returned without them, found in order in text."""
    spans: list[Span] = []
    position = 0
    for word in words:
        word = word.strip()
        if not word:
            continue
        start = text.find(word, position)
        if start < 0:
            continue
        spans.append((word, start, start + len(word)))
        position = start + len(word)
    return spans


class Segmenter:
    """Segments text into word spans; heavy libraries are loaded on first use."""

    def __init__(self, cache_dir: str | None = None) -> None:
        self._cache_dir = cache_dir or os.environ.get("GLM_CACHE_DIR") or None
        self._pipelines: dict[str, Any] = {}

    def _spacy(self, lang: str) -> Any:
        if lang not in self._pipelines:
            self._pipelines[lang] = self._blank(lang)
        return self._pipelines[lang]

    def _blank(self, lang: str) -> Any:
        import spacy

        if lang == "zh":
            import jieba

            jieba.setLogLevel(logging.WARNING)
            if self._cache_dir:
                os.makedirs(self._cache_dir, exist_ok=True)
                jieba.dt.tmp_dir = self._cache_dir
            return spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
        return spacy.blank(lang)

    def _with_spacy(self, lang: str, text: str) -> list[Span]:
        return [(t.text, t.idx, t.idx + len(t.text)) for t in self._spacy(lang)(text)]

    @staticmethod
    def _khmer(text: str) -> list[Span]:
        from khmernltk import word_tokenize

        return _align(word_tokenize(text), text)

    @staticmethod
    def _lao(text: str) -> list[Span]:
        from laonlp.tokenize import word_tokenize

        return _align(word_tokenize(text), text)

    @staticmethod
    def _common(text: str) -> list[Span]:
        return [(m.group(), m.start(), m.end()) for m in re.finditer(r"\d+(?:[.,:]\d+)*|\S", text)]

    def _for_run(self, script: str, text: str) -> Callable[[str], list[Span]]:
        if script == LATIN:
            lang = latin_language(text)[0]
            return lambda t: self._with_spacy(lang, t)
        table: dict[str, Callable[[str], list[Span]]] = {
            HAN: lambda t: self._with_spacy("zh", t),
            THAI: lambda t: self._with_spacy("th", t),
            KHMER: self._khmer,
            LAO: self._lao,
            MYANMAR: burmese_syllables,
        }
        return table.get(script, self._common)

    def segment(self, text: str) -> list[Span]:
        """Word spans of text, punctuation and spaces left out, offsets exact."""
        spans: list[Span] = []
        for run in runs(text):
            piece = text[run.start : run.end]
            segment = self._common if run.script == COMMON else self._for_run(run.script, piece)
            for word, start, end in segment(piece):
                if _is_punctuation(word):
                    continue
                spans.append((word, run.start + start, run.start + end))
        return spans
