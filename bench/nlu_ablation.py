"""What each NLU component earns, and 5-fold cross-validation (runs in Rasa's env, .venv-rasa).

Trains the pipeline's components in this process, without Rasa's graph, cache or model files:
the tokenizer runs once over all texts (it learns nothing), then for each split the featurizers
are fitted on the split's training part only, and the classifiers and entity extractors on the
same features. Intents are scored as the Rasa server scores them: the FallbackClassifier's
thresholds turn a low or ambiguous top intent into nlu_fallback, which counts as out_of_scope,
and texts are normalised first (nlu.normalize) as the bot does.

Splits: the held-out files (data/heldout/, and data/heldout-blind/ when present), trained on all
of data/nlu plus the SIB-200 out-of-scope sentences, as `python -m nlu train` does; and 5-fold
cross-validation over those training examples (stratified by language and intent, seed 42).
Entities are measured by cross-validation only (the held-out files have no entity labels): per
annotated (entity, value) pair, precision over every test message (so entities found where
there are none count against), recall over the annotated ones.

    .venv-rasa/bin/python bench/nlu_ablation.py [--diet-epochs N] [--cv-diet] [--json FILE]

Variants (intent): linear SVM alone, DIET alone, DIET + linear blended (previous_weight).
Variants (entities): CRFEntityExtractor, nlu.gazetteer.GazetteerEntityExtractor; each followed
by EntitySynonymMapper. Times are training times on the full training data, one core.
"""

from __future__ import annotations

import argparse
import copy
import csv
import json
import logging
import os
import sys
import tempfile
import time
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("PYTHAINLP_DATA", str(ROOT / "var" / "pythainlp"))
os.environ.setdefault("GLM_CACHE_DIR", str(ROOT / "var" / "cache"))

logger = logging.getLogger(__name__)

FALLBACK_INTENTS = {"out_of_scope", "nlu_fallback"}


def load_config() -> dict[str, Any]:
    """config.yml's components by name (their settings)."""
    import yaml

    config = yaml.safe_load((ROOT / "config.yml").read_text())
    return {c["name"]: {k: v for k, v in c.items() if k != "name"} for c in config["pipeline"]}


def training_examples() -> tuple[Any, list[Any], list[str]]:
    """All training messages (data/nlu + SIB-200 out-of-scope) and each one's language file."""
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from nlu.rasa_env import RasaProject

    with tempfile.TemporaryDirectory(dir=ROOT / "var") as folder:
        RasaProject().training_data(Path(folder))
        parts = []
        langs: list[str] = []
        for file in sorted(Path(folder).glob("*.yml")):
            data = load_data(str(file))
            parts.append(data)
            langs += [file.stem.split("-")[0]] * len(data.intent_examples)
    merged = TrainingData().merge(*parts)
    examples = [m for p in parts for m in p.intent_examples]
    return merged, examples, langs


def has_content(text: str) -> bool:
    """As nlu.understand.has_content: a letter, digit or symbol (else nothing is parsed)."""
    return any(unicodedata.category(char)[0] in "LNS" for char in text)


def heldout(folder: Path) -> list[tuple[str, str, str]]:
    """(lang, intent, normalised text) rows of the TSV files in folder."""
    from nlu.normalize import normalize

    rows = []
    for path in sorted(folder.glob("*.tsv")):
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            next(reader)
            rows += [(r[0], r[1], normalize(r[2]).text) for r in reader if len(r) == 3]
    return rows


class Components:
    """The config's components, created afresh for each split."""

    def __init__(self, config: dict[str, Any], diet_epochs: int) -> None:
        from rasa.engine.graph import ExecutionContext
        from rasa.engine.storage.local_model_storage import LocalModelStorage

        self.config = config
        self.diet_epochs = diet_epochs
        self.folder = tempfile.mkdtemp(prefix="ablation-", dir=ROOT / "var")
        self.storage = LocalModelStorage(Path(self.folder))
        self.context = ExecutionContext(graph_schema=None, model_id="ablation")  # type: ignore[arg-type]
        self.count = 0

    def make(self, cls: type, config: dict[str, Any]) -> Any:
        from rasa.engine.storage.resource import Resource
        from rasa.utils.common import override_defaults

        self.count += 1
        return cls.create(
            override_defaults(cls.get_default_config(), config),
            self.storage,
            Resource(f"{cls.__name__}{self.count}"),
            self.context,
        )

    def featurizers(self) -> list[Any]:
        from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
            CountVectorsFeaturizer,
        )

        from nlu.word_featurizer import WordCountVectorsFeaturizer

        return [
            self.make(
                WordCountVectorsFeaturizer,
                self.config["nlu.word_featurizer.WordCountVectorsFeaturizer"],
            ),
            self.make(CountVectorsFeaturizer, self.config["CountVectorsFeaturizer"]),
        ]

    def linear(self, previous_weight: float) -> Any:
        from nlu.linear_classifier import LinearIntentClassifier

        return self.make(
            LinearIntentClassifier,
            {
                **self.config["nlu.linear_classifier.LinearIntentClassifier"],
                "previous_weight": previous_weight,
            },
        )

    def diet(self) -> Any:
        from rasa.nlu.classifiers.diet_classifier import DIETClassifier

        # config.yml's DIET, or the one it had until DIET was left out.
        settings = self.config.get("DIETClassifier") or {
            "number_of_transformer_layers": 0,
            "hidden_layers_sizes": {"text": [256, 128]},
            "batch_size": [256, 256],
            "learning_rate": 0.002,
            "constrain_similarities": True,
            "model_confidence": "softmax",
            "entity_recognition": False,
            "random_seed": 42,
        }
        return self.make(DIETClassifier, {**settings, "epochs": self.diet_epochs})

    def crf(self) -> Any:
        from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractor

        return self.make(CRFEntityExtractor, self.config.get("CRFEntityExtractor") or {})

    def gazetteer(self) -> Any:
        from nlu.gazetteer import GazetteerEntityExtractor

        return self.make(
            GazetteerEntityExtractor,
            self.config.get("nlu.gazetteer.GazetteerEntityExtractor") or {},
        )

    def synonyms(self) -> Any:
        from rasa.nlu.extractors.entity_synonyms import EntitySynonymMapper

        return self.make(EntitySynonymMapper, {})

    def fallback(self) -> tuple[float, float]:
        settings = self.config.get("FallbackClassifier") or {}
        return float(settings.get("threshold", 0.3)), float(
            settings.get("ambiguity_threshold", 0.1)
        )


def fresh(message: Any) -> Any:
    """A copy of a tokenised message without features or predictions."""
    from rasa.shared.nlu.training_data.message import Message

    data = {k: v for k, v in message.data.items() if k not in ("intent_ranking",)}
    return Message(data=copy.copy(data), output_properties=set())


def predicted_intent(message: Any, threshold: float, ambiguity: float) -> str:
    """The intent a server would answer, fallback applied; nlu_fallback counts as out_of_scope."""
    ranking = message.get("intent_ranking") or []
    if not ranking:
        return "out_of_scope"
    top = ranking[0]
    if top["confidence"] < threshold:
        return "out_of_scope"
    if len(ranking) > 1 and top["confidence"] - ranking[1]["confidence"] < ambiguity:
        return "out_of_scope"
    return "out_of_scope" if top["name"] in FALLBACK_INTENTS else str(top["name"])


def entity_pairs(entities: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(str(e["entity"]), str(e.get("value"))) for e in entities}


class Split:
    """One training set and one test set, tokenised; runs the variants asked for."""

    def __init__(
        self,
        components: Components,
        train: list[Any],
        test: list[Any],
        gold_entities: list[set[tuple[str, str]]] | None = None,
    ) -> None:
        from rasa.shared.nlu.training_data.training_data import TrainingData

        self.components = components
        self.test_source = test
        self.gold_entities = gold_entities
        self.train_messages = [fresh(m) for m in train]
        self.data = TrainingData(self.train_messages)
        started = time.perf_counter()
        self.featurizers = components.featurizers()
        for featurizer in self.featurizers:
            featurizer.train(self.data)
            featurizer.process_training_data(self.data)
        self.featurize_s = time.perf_counter() - started
        self.times: dict[str, float] = {}

    def test_messages(self) -> list[Any]:
        messages = [fresh(m) for m in self.test_source]
        for message in messages:
            for key in ("intent", "entities"):
                message.data.pop(key, None)
        for featurizer in self.featurizers:
            featurizer.process(messages)
        return messages

    def intents(self, diet: bool, previous_weight: float) -> dict[str, list[str]]:
        """Predicted intents of the test messages: 'linear', and 'diet' and 'diet+linear'."""
        threshold, ambiguity = self.components.fallback()
        messages = self.test_messages()
        out: dict[str, list[str]] = {}
        started = time.perf_counter()
        linear = self.components.linear(0.0)
        linear.train(self.data)
        self.times["linear"] = time.perf_counter() - started
        if diet:
            started = time.perf_counter()
            model = self.components.diet()
            model.train(self.data)
            self.times["diet"] = time.perf_counter() - started
            model.process(messages)
            out["diet"] = [predicted_intent(m, threshold, ambiguity) for m in messages]
            blend = self.components.linear(previous_weight)
            blend._model = linear._model
            blend.process(messages)
            out["diet+linear"] = [predicted_intent(m, threshold, ambiguity) for m in messages]
        alone = self.test_messages()
        linear.process(alone)
        out["linear"] = [predicted_intent(m, threshold, ambiguity) for m in alone]
        return out

    def entities(self, extractors: list[str]) -> dict[str, list[set[tuple[str, str]]]]:
        """(entity, value) pairs found in each test message, per extractor."""
        out = {}
        for name in extractors:
            started = time.perf_counter()
            extractor = getattr(self.components, name)()
            extractor.train(self.data)
            synonyms = self.components.synonyms()
            synonyms.train(self.data)
            self.times[name] = time.perf_counter() - started
            messages = self.test_messages()
            extractor.process(messages)
            synonyms.process(messages)
            out[name] = [entity_pairs(m.get("entities") or []) for m in messages]
        return out


def accuracy(gold: list[str], predicted: list[str]) -> float:
    return sum(g == p for g, p in zip(gold, predicted, strict=True)) / max(len(gold), 1)


def per_language(langs: list[str], gold: list[str], predicted: list[str]) -> dict[str, float]:
    groups: dict[str, list[bool]] = defaultdict(list)
    for lang, g, p in zip(langs, gold, predicted, strict=True):
        groups[lang].append(g == p)
    return {lang: round(sum(v) / len(v), 4) for lang, v in sorted(groups.items())}


def entity_scores(
    gold: list[set[tuple[str, str]]], found: list[set[tuple[str, str]]]
) -> dict[str, Any]:
    tp = sum(len(g & f) for g, f in zip(gold, found, strict=True))
    n_found = sum(len(f) for f in found)
    n_gold = sum(len(g) for g in gold)
    by_entity: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for g, f in zip(gold, found, strict=True):
        for entity, _ in g & f:
            by_entity[entity][0] += 1
        for entity, _ in f:
            by_entity[entity][1] += 1
        for entity, _ in g:
            by_entity[entity][2] += 1
    return {
        "precision": round(tp / max(n_found, 1), 4),
        "recall": round(tp / max(n_gold, 1), 4),
        "annotated": n_gold,
        "per_entity": {
            e: {
                "precision": round(t / max(f, 1), 4),
                "recall": round(t / max(n, 1), 4),
                "annotated": n,
            }
            for e, (t, f, n) in sorted(by_entity.items())
        },
    }


def progress(text: str) -> None:
    """A line on stderr, for whoever watches a long run."""
    print(f"{time.strftime('%H:%M:%S')} {text}", file=sys.stderr, flush=True)


def tokenize(messages: list[Any]) -> float:
    from nlu.tokenizer import MultiScriptTokenizer

    tokenizer = MultiScriptTokenizer(MultiScriptTokenizer.get_default_config())
    started = time.perf_counter()
    for message in messages:
        tokenizer.process([message])
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--diet-epochs", type=int, default=40)
    parser.add_argument("--no-diet", action="store_true", help="leave DIET out entirely")
    parser.add_argument("--cv-diet", action="store_true", help="DIET in the cross-validation too")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--blend-weight", type=float, default=0.3, help="DIET's weight in the blend"
    )
    parser.add_argument("--extractors", default="crf,gazetteer")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    for noisy in ("rasa", "tensorflow", "absl"):
        logging.getLogger(noisy).setLevel(logging.ERROR)

    from rasa.shared.nlu.training_data.message import Message
    from sklearn.model_selection import StratifiedKFold

    config = load_config()
    components = Components(config, args.diet_epochs)
    # DIET's weight in the blend: config.yml's when it blends, else the 0.3 it had with DIET.
    configured = config["nlu.linear_classifier.LinearIntentClassifier"].get("previous_weight")
    previous_weight = float(configured or args.blend_weight)
    extractors = [e for e in args.extractors.split(",") if e]
    _, train, train_langs = training_examples()
    results: dict[str, Any] = {
        "diet_epochs": 0 if args.no_diet else args.diet_epochs,
        "blend_weight": previous_weight,
        "training_examples": len(train),
    }

    tokenize_s = tokenize(train)
    results["tokenize_train_s"] = round(tokenize_s, 1)
    progress(f"tokenized {len(train)} training examples in {tokenize_s:.1f} s")

    # --- held-out sets: trained on everything -----------------------------------------------
    sets = {"heldout": ROOT / "data" / "heldout", "heldout_blind": ROOT / "data" / "heldout-blind"}
    held: dict[str, Any] = {}
    for name, folder in sets.items():
        if not folder.is_dir() or not list(folder.glob("*.tsv")):
            continue
        rows = heldout(folder)
        messages = [Message(data={"text": text}) for _, _, text in rows]
        tokenize(messages)
        held[name] = (rows, messages)
    if held:
        everything = [m for _, messages in held.values() for m in messages]
        split = Split(components, train, everything)
        predicted = split.intents(diet=not args.no_diet, previous_weight=previous_weight)
        split.entities(extractors)
        progress(f"held-out split: featurize {split.featurize_s:.1f} s, {split.times}")
        results["times_s"] = {
            "tokenize": round(tokenize_s, 1),
            "featurize": round(split.featurize_s, 1),
            **{k: round(v, 1) for k, v in split.times.items()},
        }
        offset = 0
        for name, (rows, messages) in held.items():
            n = len(messages)
            langs = [r[0] for r in rows]
            gold = [r[1] for r in rows]
            for i, text in enumerate(r[2] for r in rows):
                if not has_content(text):
                    for variant in predicted:
                        predicted[variant][offset + i] = "out_of_scope"
            results[name] = {
                variant: {
                    "accuracy": round(accuracy(gold, p[offset : offset + n]), 4),
                    "per_language": per_language(langs, gold, p[offset : offset + n]),
                }
                for variant, p in predicted.items()
            }
            offset += n

    # --- 5-fold cross-validation on the training data ----------------------------------------
    gold = [str(m.get("intent")) for m in train]
    strata = [f"{lang}:{intent}" for lang, intent in zip(train_langs, gold, strict=True)]
    folds = StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=42)
    cv_predicted: dict[str, list[str]] = defaultdict(lambda: [""] * len(train))
    cv_entities: dict[str, list[set[tuple[str, str]]]] = defaultdict(lambda: [set()] * len(train))
    started = time.perf_counter()
    for train_idx, test_idx in folds.split(train, strata):
        split = Split(components, [train[i] for i in train_idx], [train[i] for i in test_idx])
        fold_predicted = split.intents(
            diet=args.cv_diet and not args.no_diet, previous_weight=previous_weight
        )
        for variant, labels in fold_predicted.items():
            for i, label in zip(test_idx, labels, strict=True):
                cv_predicted[variant][i] = label
        for variant, found in split.entities(extractors).items():
            for i, pairs in zip(test_idx, found, strict=True):
                cv_entities[variant][i] = pairs
        progress(f"fold trained: featurize {split.featurize_s:.1f} s, {split.times}")
    gold_entities = [entity_pairs(m.get("entities") or []) for m in train]
    results["cv"] = {
        "folds": args.folds,
        "seconds": round(time.perf_counter() - started, 1),
        "intent": {
            variant: {
                "accuracy": round(accuracy(gold, p), 4),
                "per_language": per_language(train_langs, gold, p),
            }
            for variant, p in cv_predicted.items()
        },
        "entities": {
            variant: entity_scores(gold_entities, f) for variant, f in cv_entities.items()
        },
    }
    print(json.dumps(results, ensure_ascii=False))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
