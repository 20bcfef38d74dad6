"""GazetteerEntityExtractor: entities by the names the training data annotates (Rasa's env only).

The entities this bot needs (`country`, `event_category`, `time_range`) are closed lists: a
handful of values, each written a few dozen ways in seven languages. Every way the training
data annotates (`[Laos]{"entity": "country", "value": "LA"}`) and every synonym becomes a
name to look for; a message's entities are the longest names found in it, left to right.
Latin names match whole words only, folded (no case, no diacritics: "viet nam" finds
"Việt Nam"); names in the other scripts match anywhere, since Thai, Lao, Khmer, Burmese and
Chinese write no spaces between words. Nothing is learnt beyond the list: trains in well under
a second where the CRF took minutes, and bench/nlu_ablation.py measures both.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections import Counter, defaultdict
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.langid import script_is_latin

logger = logging.getLogger(__name__)


def fold_chars(text: str) -> str:
    """text with each Latin letter lower-cased and stripped of its marks, one char for one.

    Other scripts are only lower-cased per character (their vowel signs are marks too, and
    must stay). Offsets in the result are offsets in text.
    """
    out = []
    for char in text:
        if script_is_latin(char) and char.isalpha():
            base = unicodedata.normalize("NFD", char.lower().replace("đ", "d"))[0]
            out.append(base)
        else:
            lower = char.lower()
            out.append(lower if len(lower) == 1 else char)
    return "".join(out)


def _latin_word_char(char: str) -> bool:
    return char.isdigit() or (char.isalpha() and script_is_latin(char))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class GazetteerEntityExtractor(EntityExtractorMixin, GraphComponent):
    """Finds the entity names of the training data (annotations and synonyms) in messages."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The component's default config."""
        return {
            # Names shorter than this (in characters) are not looked for: one Chinese or Thai
            # character is too often part of another word.
            "min_length": 2,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        names: dict[str, tuple[str, str]] | None = None,
    ) -> None:
        """An extractor; `names` maps a folded name to its (entity, value)."""
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._names = names or {}
        self._pattern = self._compile(self._names)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GazetteerEntityExtractor:
        """An untrained extractor."""
        return cls(config, model_storage, resource)

    @staticmethod
    def _compile(names: dict[str, tuple[str, str]]) -> re.Pattern[str] | None:
        if not names:
            return None
        # Longest first: the alternation takes the first that matches at a position. A name
        # that begins (ends) with a Latin letter or digit must not continue a word there.
        alternatives = []
        for name in sorted(names, key=lambda n: (-len(n), n)):
            before = r"(?<!\w)" if _latin_word_char(name[0]) else ""
            after = r"(?!\w)" if _latin_word_char(name[-1]) else ""
            alternatives.append(before + re.escape(name) + after)
        return re.compile("|".join(alternatives))

    def train(self, training_data: TrainingData) -> Resource:
        """Collects every annotated entity text and every synonym, folded."""
        votes: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
        entity_of_value: dict[str, Counter[str]] = defaultdict(Counter)
        for message in training_data.entity_examples:
            text = message.get(TEXT) or ""
            for entity in message.get(ENTITIES) or []:
                name = text[entity[ENTITY_ATTRIBUTE_START] : entity[ENTITY_ATTRIBUTE_END]]
                kind = str(entity[ENTITY_ATTRIBUTE_TYPE])
                value = str(entity.get(ENTITY_ATTRIBUTE_VALUE) or name)
                value = training_data.entity_synonyms.get(value, value)
                votes[fold_chars(name.strip())][(kind, value)] += 1
                entity_of_value[value][kind] += 1
        for synonym, value in training_data.entity_synonyms.items():
            kinds = entity_of_value.get(value)
            if kinds:
                votes[fold_chars(synonym.strip())][(kinds.most_common(1)[0][0], value)] += 1
        min_length = int(self.config["min_length"])
        self._names = {
            name: counts.most_common(1)[0][0]
            for name, counts in votes.items()
            if len(name) >= min_length
        }
        self._pattern = self._compile(self._names)
        self.persist()
        return self._resource

    def persist(self) -> None:
        """Writes the names to the model storage."""
        with self._model_storage.write_to(self._resource) as directory:
            (directory / "names.json").write_text(
                json.dumps(self._names, ensure_ascii=False, sort_keys=True), encoding="utf-8"
            )

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> GazetteerEntityExtractor:
        """The stored extractor (an empty one if nothing was stored)."""
        try:
            with model_storage.read_from(resource) as directory:
                raw = json.loads((directory / "names.json").read_text(encoding="utf-8"))
            names = {name: (pair[0], pair[1]) for name, pair in raw.items()}
        except (ValueError, FileNotFoundError):
            logger.warning("GazetteerEntityExtractor: no trained names in %s", resource.name)
            names = {}
        return cls(config, model_storage, resource, names)

    def extract(self, text: str) -> list[dict[str, Any]]:
        """The entities named in text, longest names first, not overlapping."""
        if self._pattern is None:
            return []
        folded = fold_chars(text)
        found = []
        for match in self._pattern.finditer(folded):
            start, end = match.span()
            entity, value = self._names[match.group()]
            found.append(
                {
                    ENTITY_ATTRIBUTE_TYPE: entity,
                    ENTITY_ATTRIBUTE_START: start,
                    ENTITY_ATTRIBUTE_END: end,
                    ENTITY_ATTRIBUTE_VALUE: value,
                    "confidence_entity": 1.0,
                }
            )
        return found

    def process(self, messages: list[Message]) -> list[Message]:
        """Adds the entities found to each message."""
        for message in messages:
            entities = self.add_extractor_name(self.extract(message.get(TEXT) or ""))
            message.set(ENTITIES, message.get(ENTITIES, []) + entities, add_to_output=True)
        return messages
