"""WordCountVectorsFeaturizer keeps the tokenizer's words whole (Rasa's env)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.tokenizer import MultiScriptTokenizer
from nlu.word_featurizer import WordCountVectorsFeaturizer

# One message per script whose words carry combining vowel or tone signs.
TEXTS = {
    "th": "โครงการสนับสนุนเยาวชน",
    "lo": "ການພັດທະນາສີຂຽວ",
    "km": "ការអភិវឌ្ឍបៃតង",
    "my": "ဖွံ့ဖြိုးရေး စီမံကိန်း",
    "vi": "đa dạng sinh học",
    "en": "green development",
}


@pytest.fixture
def storage(tmp_path: Path) -> LocalModelStorage:
    return LocalModelStorage(tmp_path)


CONTEXT = ExecutionContext(graph_schema=None, model_id="test")  # type: ignore[arg-type]


def tokenized() -> TrainingData:
    data = TrainingData([Message(data={"text": t, "intent": "x"}) for t in TEXTS.values()])
    MultiScriptTokenizer(MultiScriptTokenizer.get_default_config()).process_training_data(data)
    return data


def vocabulary(featurizer: CountVectorsFeaturizer) -> set[str]:
    return set(featurizer.vectorizers["text"].vocabulary_)


def test_every_token_is_one_word_feature(storage: LocalModelStorage) -> None:
    data = tokenized()
    featurizer = WordCountVectorsFeaturizer.create(
        WordCountVectorsFeaturizer.get_default_config(), storage, Resource("words"), CONTEXT
    )
    featurizer.train(data)
    words = {
        word
        for message in data.training_examples
        for token in message.get("text_tokens")
        for word in token.lemma.lower().split()
    }
    assert vocabulary(featurizer) == words
    assert {"สนับสนุน", "ການພັດທະນາ", "ဖွံ့ဖြိုး"} & words  # whole words, not fragments
    assert {"da", "dang", "sinh", "hoc"} <= words  # a folded Vietnamese compound: its syllables


def test_rasas_own_split_would_cut_words_at_vowel_signs(storage: LocalModelStorage) -> None:
    rasa = CountVectorsFeaturizer.create(
        CountVectorsFeaturizer.get_default_config(), storage, Resource("rasa"), CONTEXT
    )
    rasa.train(tokenized())
    assert "ဖ" in vocabulary(rasa)  # "ဖွံ့ဖြိုးရေး" shredded to its bare consonants


def test_a_loaded_featurizer_gives_the_same_features(storage: LocalModelStorage) -> None:
    config = {**WordCountVectorsFeaturizer.get_default_config(), "max_ngram": 2}
    trained = WordCountVectorsFeaturizer.create(config, storage, Resource("words"), CONTEXT)
    trained.train(tokenized())
    loaded = WordCountVectorsFeaturizer.load(config, storage, Resource("words"), CONTEXT)
    assert vocabulary(loaded) == vocabulary(trained)
    for text in TEXTS.values():
        pair = []
        for featurizer in (trained, loaded):
            message = Message(data={"text": text})
            MultiScriptTokenizer(MultiScriptTokenizer.get_default_config()).process([message])
            featurizer.process([message])
            sentence = message.get_sparse_features("text")[1]
            assert sentence is not None
            pair.append(sentence.features.toarray())
        assert (pair[0] == pair[1]).all() and pair[0].sum() > 0
