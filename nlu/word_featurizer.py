"""WordCountVectorsFeaturizer: Rasa's word counts, with our tokens kept whole (Rasa's env only).

Rasa's CountVectorsFeaturizer joins the tokens with spaces and splits them again on the regular
expression `\\b\\w+\\b`. Thai, Lao, Khmer and Burmese write their vowels and tones as combining
marks, which `\\w` does not match, so that split shreds their words: "สนับสนุน" becomes "สน",
"บสน", "น" and the Burmese "ဖွံ့ဖြိုးရေး" becomes "ဖ", "ဖ", "ရ". Here the split is on whitespace
only, so every token the segmenter found is one feature (a Vietnamese compound, whose folded
lemma holds spaces, still gives its syllables). Everything else is Rasa's featurizer.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from sklearn.feature_extraction.text import CountVectorizer

WHOLE_TOKENS = r"(?u)\S+"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class WordCountVectorsFeaturizer(CountVectorsFeaturizer):
    """Counts of words and word n-grams, a word being a token of the tokenizer."""

    @staticmethod
    def _whole_tokens(vectorizers: dict[str, CountVectorizer]) -> dict[str, CountVectorizer]:
        for vectorizer in vectorizers.values():
            if vectorizer.analyzer == "word":
                vectorizer.token_pattern = WHOLE_TOKENS
        return vectorizers

    @classmethod
    def _create_shared_vocab_vectorizers(
        cls, parameters: dict[str, Any], vocabulary: Any | None = None
    ) -> dict[str, CountVectorizer]:
        """Rasa's vectorizers, splitting on whitespace only."""
        return cls._whole_tokens(super()._create_shared_vocab_vectorizers(parameters, vocabulary))

    @classmethod
    def _create_independent_vocab_vectorizers(
        cls, parameters: dict[str, Any], vocabulary: Any | None = None
    ) -> dict[str, CountVectorizer]:
        """Rasa's vectorizers, splitting on whitespace only."""
        return cls._whole_tokens(
            super()._create_independent_vocab_vectorizers(parameters, vocabulary)
        )
