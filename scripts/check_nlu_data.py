"""Checks the NLU training data: python scripts/check_nlu_data.py [data/nlu] [--drop-near-heldout].

Prints the examples per language and every problem found: an example that appears twice
(in one intent or in two, compared without case and extra spaces), entity markup that
is not well formed, an entity or value outside the contract (DESIGN.md: event_category,
country, time_range), a synonym that maps one text to two values, and a near copy of a line of
a held-out set with the same intent (data/heldout/, data/heldout-blind/: the same text, or one
that differs in at most a tenth of its characters), which would let the model learn its test. Exits 1 on any
problem. `--drop-near-heldout` deletes the near copies from the training files instead.
"""

from __future__ import annotations

import csv
import difflib
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


HELDOUT = ("heldout", "heldout-blind")
NEAR = 0.9  # similarity (difflib's ratio) from which a training line is a near copy


def heldout_lines(data: Path, language: str) -> list[tuple[str, str]]:
    """(intent, normalised text) of the lines of both held-out sets in one language."""
    keys: list[tuple[str, str]] = []
    for name in HELDOUT:
        path = data / name / f"{language}.tsv"
        if path.exists():
            with path.open(encoding="utf-8", newline="") as handle:
                rows = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
                keys += [(row[1], _key(row[2])) for row in rows if len(row) == 3][1:]
    return keys


def near_copy(text: str, intent: str, heldout: list[tuple[str, str]]) -> str | None:
    """The held-out line of this intent that text copies, nearly or exactly, if any."""
    key = _key(text)
    for line_intent, line in heldout:
        if line_intent != intent:
            continue
        if key == line:
            return line
        shorter, longer = sorted((len(key), len(line)))
        if longer == 0 or shorter / longer < NEAR:
            continue
        matcher = difflib.SequenceMatcher(None, key, line, autojunk=False)
        if matcher.quick_ratio() >= NEAR and matcher.ratio() >= NEAR:
            return line
    return None


def near_copies(path: Path, heldout: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(training example, held-out line) for each near copy in one language file."""
    found = []
    for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
        if "intent" in block:
            for example in _examples(block):
                line = near_copy(plain(example), block["intent"], heldout)
                if line is not None:
                    found.append((example, line))
    return found


def drop_examples(path: Path, examples: set[str]) -> None:
    """Remove these example lines from a training file, keeping everything else as it is."""
    kept = [
        line
        for line in path.read_text(encoding="utf-8").splitlines(keepends=True)
        if not (line.strip().startswith("- ") and line.strip()[2:].strip() in examples)
    ]
    path.write_text("".join(kept), encoding="utf-8")


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
    drop = "--drop-near-heldout" in argv
    args = [arg for arg in argv[1:] if arg != "--drop-near-heldout"]
    folder = Path(args[0] if args else "data/nlu")
    failed = False
    for language in LANGUAGES:
        path = folder / f"{language}.yml"
        copies = near_copies(path, heldout_lines(folder.parent, language))
        if drop and copies:
            drop_examples(path, {example for example, _ in copies})
            sys.stdout.write(f"{language}: dropped {len(copies)} near copies of held-out lines\n")
            copies = []
        counts, problems = check_language(path)
        problems += [f"near copy of held-out {line!r}: {example}" for example, line in copies]
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
