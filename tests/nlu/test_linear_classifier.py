"""LinearIntentClassifier on real Rasa components: train, store, load, blend (Rasa's env)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.linear_classifier import LinearIntentClassifier
from nlu.tokenizer import MultiScriptTokenizer
from nlu.word_featurizer import WordCountVectorsFeaturizer

EXAMPLES = {
    "greet": ["hello", "hi there", "สวัสดีครับ", "你好", "xin chào", "good morning"],
    "contact": [
        "what is your phone number",
        "e-mail address please",
        "เบอร์โทรติดต่อ",
        "联系电话是多少",
        "số điện thoại liên hệ",
        "where is your office address",
    ],
    "funding": [
        "who funds the initiative",
        "how to apply for a grant",
        "ใครให้ทุน",
        "资金来自哪里",
        "ai tài trợ dự án",
        "is there money for small projects",
    ],
}


class Pipeline:
    """Tokenizer and featurizers as in config.yml, and the classifier under test."""

    def __init__(self, tmp_path: Path) -> None:
        self.storage = LocalModelStorage(tmp_path)
        self.context = ExecutionContext(graph_schema=None, model_id="test")  # type: ignore[arg-type]
        self.tokenizer = MultiScriptTokenizer(MultiScriptTokenizer.get_default_config())
        words = {**WordCountVectorsFeaturizer.get_default_config(), "max_ngram": 2}
        chars = {**CountVectorsFeaturizer.get_default_config(), "analyzer": "char_wb"}
        self.featurizers = [
            WordCountVectorsFeaturizer.create(words, self.storage, Resource("words"), self.context),
            CountVectorsFeaturizer.create(
                {**chars, "max_ngram": 4}, self.storage, Resource("chars"), self.context
            ),
        ]

    def featurize(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self.tokenizer.process([message])
        for featurizer in self.featurizers:
            featurizer.process(messages)
        return messages

    def train(self, config: dict[str, object]) -> LinearIntentClassifier:
        data = TrainingData(
            [
                Message(data={"text": text, "intent": intent})
                for intent, texts in EXAMPLES.items()
                for text in texts
            ]
        )
        self.tokenizer.process_training_data(data)
        for featurizer in self.featurizers:
            featurizer.train(data)
            featurizer.process_training_data(data)
        classifier = LinearIntentClassifier.create(
            config, self.storage, Resource("linear"), self.context
        )
        classifier.train(data)
        return classifier

    def load(self, config: dict[str, object]) -> LinearIntentClassifier:
        return LinearIntentClassifier.load(config, self.storage, Resource("linear"), self.context)


@pytest.fixture
def pipeline(tmp_path: Path) -> Pipeline:
    return Pipeline(tmp_path)


def parse(pipeline: Pipeline, classifier: LinearIntentClassifier, text: str) -> Message:
    (message,) = classifier.process(pipeline.featurize([Message(data={"text": text})]))
    return message


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("hello!", "greet"),
        ("สวัสดีค่ะ", "greet"),
        ("phone number?", "contact"),
        ("联系电话", "contact"),
        ("who funds this", "funding"),
        ("tài trợ", "funding"),
    ],
)
def test_classifies_unseen_messages(pipeline: Pipeline, text: str, intent: str) -> None:
    classifier = pipeline.train({"previous_weight": 0.0})
    message = parse(pipeline, classifier, text)
    assert message.get("intent")["name"] == intent
    ranking = message.get("intent_ranking")
    assert ranking[0]["name"] == intent
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)
    assert ranking == sorted(ranking, key=lambda r: -r["confidence"])


def test_a_loaded_model_predicts_as_the_trained_one(pipeline: Pipeline) -> None:
    trained = pipeline.train({})
    loaded = pipeline.load({})
    for text in ("hi", "email?", "grant application", "ขอเบอร์โทร"):
        assert parse(pipeline, loaded, text).get("intent_ranking") == parse(
            pipeline, trained, text
        ).get("intent_ranking")


def test_blends_the_ranking_an_earlier_classifier_left(pipeline: Pipeline) -> None:
    pipeline.train({})
    alone = pipeline.load({"previous_weight": 0.0})
    blended = pipeline.load({"previous_weight": 0.5})
    text = "hello"
    own = {r["name"]: r["confidence"] for r in parse(pipeline, alone, text).get("intent_ranking")}
    (message,) = pipeline.featurize([Message(data={"text": text})])
    message.set("intent_ranking", [{"name": "funding", "confidence": 1.0}])
    (message,) = blended.process([message])
    ranking = {r["name"]: r["confidence"] for r in message.get("intent_ranking")}
    assert ranking["funding"] == pytest.approx(0.5 * own["funding"] + 0.5)
    assert ranking["greet"] == pytest.approx(0.5 * own["greet"])


def test_untrained_or_missing_model_leaves_messages_alone(pipeline: Pipeline) -> None:
    missing = pipeline.load({})
    (message,) = missing.process(pipeline.featurize([Message(data={"text": "hello"})]))
    assert message.get("intent") is None


def test_messages_without_features_are_left_alone(pipeline: Pipeline) -> None:
    classifier = pipeline.train({})
    (message,) = classifier.process([Message(data={"text": ""})])
    assert message.get("intent") is None


def test_each_featurizers_block_is_weighed_at_unit_length(pipeline: Pipeline) -> None:
    classifier = pipeline.train({})
    assert classifier._model is not None
    widths = classifier._model["widths"]
    assert len(widths) == 2  # words, then character n-grams
    (message,) = pipeline.featurize([Message(data={"text": "who funds the grant"})])
    features = classifier._features(message)
    assert features is not None
    row = classifier._tfidf(features[0], classifier._model["idf"], widths).toarray().ravel()
    words, chars = row[: widths[0]], row[widths[0] :]
    assert np.linalg.norm(words) == pytest.approx(1.0)
    assert np.linalg.norm(chars) == pytest.approx(1.0)
