"""Intent and language accuracy of a running Rasa server on a labelled TSV file."""

from __future__ import annotations

import asyncio
import csv
import statistics
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlu.client import NluClient
from nlu.understand import understand

FALLBACK_INTENTS = frozenset({"out_of_scope", "nlu_fallback"})


@dataclass(frozen=True)
class Example:
    lang: str
    intent: str
    text: str


@dataclass(frozen=True)
class Prediction:
    example: Example
    intent: str
    language: str | None
    latency_ms: float

    @property
    def scored_intent(self) -> str:
        """nlu_fallback counts as out_of_scope: both are the bot declining to answer."""
        return "out_of_scope" if self.intent in FALLBACK_INTENTS else self.intent

    @property
    def intent_correct(self) -> bool:
        return self.scored_intent == self.example.intent


def read_examples(path: Path) -> list[Example]:
    """Rows of a `lang<TAB>intent<TAB>text` file with that header (no quoting)."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if header != ["lang", "intent", "text"]:
            raise ValueError(f"{path}: first line must be 'lang<TAB>intent<TAB>text'")
        return [Example(*row) for row in reader if len(row) == 3]


async def predict(
    client: NluClient, examples: list[Example], concurrency: int = 1
) -> list[Prediction]:
    """Parse every example; latency is measured per request."""
    semaphore = asyncio.Semaphore(concurrency)

    async def one(example: Example) -> Prediction:
        async with semaphore:
            started = time.perf_counter()
            result = await understand(client, example.text)
            latency = (time.perf_counter() - started) * 1000
        return Prediction(example, result.parse.intent, result.language.lang, latency)

    return list(await asyncio.gather(*(one(e) for e in examples)))


def macro_f1(gold: list[str], predicted: list[str]) -> float:
    labels = set(gold) | set(predicted)
    scores = []
    for label in labels:
        tp = sum(g == p == label for g, p in zip(gold, predicted, strict=False))
        fp = sum(p == label != g for g, p in zip(gold, predicted, strict=False))
        fn = sum(g == label != p for g, p in zip(gold, predicted, strict=False))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def percentile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def report(predictions: list[Prediction]) -> dict[str, Any]:
    """The JSON object of `python -m nlu evaluate --json` (docs/architecture.md, "Contracts")."""
    by_lang: dict[str, list[Prediction]] = defaultdict(list)
    for p in predictions:
        by_lang[p.example.lang].append(p)

    def accuracy(items: list[Prediction], attr: str) -> float:
        if not items:
            return 0.0
        if attr == "intent":
            return sum(p.intent_correct for p in items) / len(items)
        return sum(p.language == p.example.lang for p in items) / len(items)

    latencies = [p.latency_ms for p in predictions]
    return {
        "n": len(predictions),
        "intent_accuracy": round(accuracy(predictions, "intent"), 4),
        "language_accuracy": round(accuracy(predictions, "language"), 4),
        "per_language": {
            lang: {
                "n": len(items),
                "intent_accuracy": round(accuracy(items, "intent"), 4),
                "language_accuracy": round(accuracy(items, "language"), 4),
                "macro_f1": round(
                    macro_f1([p.example.intent for p in items], [p.scored_intent for p in items]), 4
                ),
            }
            for lang, items in sorted(by_lang.items())
        },
        "latency_ms": {
            q: round(percentile(latencies, int(q[1:])), 2) for q in ("p50", "p95", "p99")
        },
    }


def table(summary: dict[str, Any]) -> str:
    lines = [f"{'lang':<6}{'n':>6}{'intent acc':>12}{'lang acc':>10}{'macro F1':>10}"]
    for lang, row in summary["per_language"].items():
        lines.append(
            f"{lang:<6}{row['n']:>6}{row['intent_accuracy']:>12.1%}"
            f"{row['language_accuracy']:>10.1%}{row['macro_f1']:>10.3f}"
        )
    lines.append(
        f"{'all':<6}{summary['n']:>6}{summary['intent_accuracy']:>12.1%}"
        f"{summary['language_accuracy']:>10.1%}"
    )
    latency = summary["latency_ms"]
    lines.append(f"latency ms: p50 {latency['p50']}  p95 {latency['p95']}  p99 {latency['p99']}")
    return "\n".join(lines)


def confusions(predictions: list[Prediction], most: int = 15) -> list[tuple[str, str, int]]:
    counts = Counter(
        (p.example.intent, p.scored_intent) for p in predictions if not p.intent_correct
    )
    return [(gold, guess, n) for (gold, guess), n in counts.most_common(most)]


def write_confusion_png(predictions: list[Prediction], path: Path) -> None:
    """A confusion matrix of gold against predicted intents, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = sorted(
        {p.example.intent for p in predictions} | {p.scored_intent for p in predictions}
    )
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for p in predictions:
        matrix[index[p.example.intent]][index[p.scored_intent]] += 1
    figure, axes = plt.subplots(figsize=(12, 10))
    axes.imshow(matrix, cmap="Greens")
    axes.set_xticks(range(len(labels)), labels, rotation=90)
    axes.set_yticks(range(len(labels)), labels)
    axes.set_xlabel("predicted")
    axes.set_ylabel("gold")
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            if value:
                axes.text(j, i, str(value), ha="center", va="center", fontsize=7)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
