"""MultiScriptTokenizer: a Rasa tokenizer for zh, en, th, vi, km, lo and my (Rasa's env only)."""

from __future__ import annotations

import hashlib
import inspect
from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.engine.training import fingerprinting
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

import nlu.langid
import nlu.scripts
import nlu.segment

# Rasa looks packages up by distribution name; these import names differ from theirs.
fingerprinting.import_name_to_package_map.update({"khmernltk": "khmer-nltk"})


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class MultiScriptTokenizer(Tokenizer):
    """Segments each run of text with the segmenter of its script's language."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Returns the component's default config."""
        return {
            # Split intent names on `intent_split_symbol` (multi-intent training data).
            "intent_tokenization_flag": False,
            # Symbol on which intents are split.
            "intent_split_symbol": "_",
            # Regular expression further splitting each token (None: leave tokens whole).
            "token_pattern": None,
            # Symbol on which prefixes are split (for response selectors).
            "prefix_separator_symbol": None,
        }

    @staticmethod
    def required_packages() -> list[str]:
        """Segmenters this component imports."""
        return ["spacy", "pythainlp", "pyvi", "jieba", "khmernltk", "laonlp"]

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Changes whenever the segmentation code changes, so cached results are not reused."""
        source = "".join(inspect.getsource(m) for m in (nlu.segment, nlu.langid, nlu.scripts))
        return hashlib.sha256(source.encode()).hexdigest()

    def __init__(self, config: dict[str, Any]) -> None:
        """Creates the tokenizer; the segmenters load on first use."""
        super().__init__(config)
        self._segmenter = nlu.segment.Segmenter()

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MultiScriptTokenizer:
        """Creates a new component (see parent class for full docstring)."""
        return cls(config)

    @staticmethod
    def _lemma(word: str) -> str:
        """What featurizers see: Latin words folded, so "Việt Nam" and "viet nam" match."""
        if all(nlu.langid.script_is_latin(c) or not c.isalpha() for c in word):
            return nlu.langid.fold(word)
        return word

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        """Tokens of the message's attribute with exact character offsets."""
        text = message.get(attribute) or ""
        tokens = [
            Token(word, start, end, lemma=self._lemma(word))
            for word, start, end in self._segmenter.segment(text)
        ]
        if not tokens and text.strip():
            # Nothing but punctuation or symbols: keep the whole text as one token.
            stripped = text.strip()
            start = text.index(stripped)
            tokens = [Token(stripped, start, start + len(stripped))]
        return self._apply_token_pattern(tokens)
