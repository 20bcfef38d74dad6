"""Checks the NLU training data: python scripts/check_nlu_data.py [data/nlu].

Prints the examples per language and every problem found: an example that appears twice
(in one intent or in two, compared without case and extra spaces), entity markup that
is not well formed, an entity or value outside the contract (DESIGN.md: event_category,
country, time_range), a synonym that maps one text to two values. Exits 1 on any problem.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

LANGUAGES = ("zh", "en", "th", "vi", "km", "lo", "my")
VALUES = {
    "event_category": {"forum", "roundtable", "workshop", "training", "volunteer", "youth"},
    "country": {"CN", "KH", "LA", "MM", "TH", "VN"},
    "time_range": {
        "today",
        "tomorrow",
        "this_week",
        "this_weekend",
        "next_week",
        "this_month",
        "next_month",
    },
}
# [text](entity) or [text]{"entity": ..., "value": ...}
_ENTITY = re.compile(r"\[([^\[\]]+)\](\{[^{}]*\}|\([^()]*\))")


def plain(example: str) -> str:
    """The example's text without entity markup."""
    return _ENTITY.sub(lambda m: m.group(1), example)


def _key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _examples(block: dict[str, Any]) -> list[str]:
    lines = str(block.get("examples", "")).splitlines()
    return [line.strip()[2:].strip() for line in lines if line.strip().startswith("- ")]


def check_language(path: Path) -> tuple[Counter[str], list[str]]:
    """Examples per intent and the problems of one language file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    counts: Counter[str] = Counter()
    problems: list[str] = []
    seen: dict[str, str] = {}
    synonyms: dict[str, str] = {}
    for block in data["nlu"]:
        if "synonym" in block:
            for text in _examples(block):
                if synonyms.setdefault(text, block["synonym"]) != block["synonym"]:
                    problems.append(f"synonym {text!r}: {synonyms[text]} and {block['synonym']}")
            continue
        intent = block.get("intent")
        if intent is None:
            continue
        for example in _examples(block):
            counts[intent] += 1
            text = plain(example)
            if "[" in text or "]" in text or '{"entity' in text:
                problems.append(f"{intent}: malformed markup: {example}")
            key = _key(text)
            if key in seen:
                problems.append(f"{intent}: duplicate of an example of {seen[key]}: {text}")
            seen.setdefault(key, intent)
            for match in _ENTITY.finditer(example):
                spec = match.group(2)
                if spec.startswith("("):
                    entity, value = spec[1:-1], match.group(1)
                else:
                    fields = json.loads(spec)
                    entity, value = fields["entity"], fields.get("value", match.group(1))
                if value not in VALUES.get(entity, set()):
                    problems.append(f"{intent}: {entity}={value!r} outside the contract: {example}")
    return counts, problems


def main(argv: list[str]) -> int:
    folder = Path(argv[1] if len(argv) > 1 else "data/nlu")
    failed = False
    for language in LANGUAGES:
        counts, problems = check_language(folder / f"{language}.yml")
        sys.stdout.write(
            f"{language}: {sum(counts.values())} examples, {len(counts)} intents, "
            f"fewest {min(counts.values())} ({min(counts, key=counts.__getitem__)})\n"
        )
        for problem in problems:
            sys.stdout.write(f"  {language} {problem}\n")
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
