"""GazetteerEntityExtractor on Rasa's own training data objects: train, store, load (Rasa's env)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.extractors.entity_synonyms import EntitySynonymMapper
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.gazetteer import GazetteerEntityExtractor, fold_chars

DATA = """
version: "3.1"
nlu:
- intent: member_countries
  examples: |
    - is [Laos]{"entity": "country", "value": "LA"} a member?
    - does [Việt Nam]{"entity": "country", "value": "VN"} take part
    - [泰国]{"entity": "country", "value": "TH"}是成员吗
    - [ລາວ]{"entity": "country", "value": "LA"} ເປັນສະມາຊິກບໍ
    - is [Lao PDR]{"entity": "country", "value": "LA"} in
- intent: list_events
  examples: |
    - any [workshops]{"entity": "event_category", "value": "workshop"} [next week](time_range)?
    - มี[เวิร์กช็อป]{"entity": "event_category", "value": "workshop"}ไหม
    - x
- synonym: VN
  examples: |
    - vietnam
"""


class Extractor:
    def __init__(self, tmp_path: Path) -> None:
        self.storage = LocalModelStorage(tmp_path)
        self.context = ExecutionContext(graph_schema=None, model_id="test")  # type: ignore[arg-type]
        self.data: TrainingData = RasaYAMLReader().reads(DATA)

    def train(self, config: dict[str, object] | None = None) -> GazetteerEntityExtractor:
        extractor = GazetteerEntityExtractor.create(
            config or {}, self.storage, Resource("gazetteer"), self.context
        )
        extractor.train(self.data)
        return extractor

    def load(self) -> GazetteerEntityExtractor:
        return GazetteerEntityExtractor.load({}, self.storage, Resource("gazetteer"), self.context)


@pytest.fixture
def extractor(tmp_path: Path) -> Extractor:
    return Extractor(tmp_path)


def found(extractor: GazetteerEntityExtractor, text: str) -> list[tuple[str, str, str]]:
    (message,) = extractor.process([Message(data={"text": text})])
    return [(e["entity"], e["value"], text[e["start"] : e["end"]]) for e in message.get("entities")]


@pytest.mark.parametrize(
    ("text", "entities"),
    [
        ("Is LAOS in?", [("country", "LA", "LAOS")]),
        ("viet nam and laos", [("country", "VN", "viet nam"), ("country", "LA", "laos")]),
        ("Vietnam?", [("country", "VN", "Vietnam")]),  # a synonym only, never annotated
        ("lao pdr, really?", [("country", "LA", "lao pdr")]),  # the longest name wins
        ("我在泰国", [("country", "TH", "泰国")]),  # no spaces between words
        ("ขอเวิร์กช็อปที่ลาว", [("event_category", "workshop", "เวิร์กช็อป")]),
        (
            "workshops next week",
            [("event_category", "workshop", "workshops"), ("time_range", "next week", "next week")],
        ),
        ("laotian food", []),  # part of a longer Latin word
        ("myworkshops", []),
        ("nothing here", []),
    ],
)
def test_finds_the_names_of_the_training_data(
    extractor: Extractor, text: str, entities: list[tuple[str, str, str]]
) -> None:
    assert found(extractor.train(), text) == entities


def test_a_loaded_extractor_finds_what_the_trained_one_does(extractor: Extractor) -> None:
    trained = extractor.train()
    loaded = extractor.load()
    for text in ("Laos", "泰国", "ລາວ", "workshops in viet nam", ""):
        assert found(loaded, text) == found(trained, text)


def test_short_names_are_left_out(extractor: Extractor) -> None:
    assert found(extractor.train({"min_length": 5}), "laos, lao pdr") == [
        ("country", "LA", "lao pdr")
    ]


def test_an_untrained_extractor_finds_nothing(extractor: Extractor) -> None:
    assert found(extractor.load(), "Laos") == []


def test_the_synonym_mapper_keeps_the_values(extractor: Extractor) -> None:
    gazetteer = extractor.train()
    mapper = EntitySynonymMapper.create(
        {}, extractor.storage, Resource("synonyms"), extractor.context
    )
    mapper.train(extractor.data)
    (message,) = mapper.process(gazetteer.process([Message(data={"text": "vietnam"})]))
    assert [e["value"] for e in message.get("entities")] == ["VN"]


def test_folding_keeps_offsets() -> None:
    text = "Việt Nam ĐÀ NẴNG ລາວ 泰国"
    assert len(fold_chars(text)) == len(text)
    assert fold_chars(text) == "viet nam da nang ລາວ 泰国"
