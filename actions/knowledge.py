"""The answers about the initiative (data/knowledge/<intent>.yml), every one in seven languages."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.core.i18n import LANGUAGES, NATIVE_NAMES

KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent / "data" / "knowledge"
# The six countries, with the stem the English answers name each by ("China", "Chinese").
COUNTRIES = {
    "CN": "Chin",
    "KH": "Cambodia",
    "LA": "Lao",
    "MM": "Myanmar",
    "TH": "Thai",
    "VN": "Viet",
}
# The question intents answered from knowledge (docs/architecture.md, "Contracts"), one file each, with the text key
# of the label of a button that leads to each.
TOPICS = {
    "initiative_overview": "btn.overview",
    "lmec_about": "btn.lmec",
    "member_countries": "btn.countries",
    "priority_areas": "btn.priorities",
    "climate_action": "btn.climate",
    "biodiversity": "btn.biodiversity",
    "pollution_control": "btn.pollution",
    "knowledge_platform": "btn.platform",
    "youth_participation": "btn.youth",
    "funding": "btn.funding",
    "demo_projects": "btn.projects",
    "contact": "btn.contact",
}


class KnowledgeError(ValueError):
    """A knowledge file is malformed or incomplete."""


@dataclass(frozen=True)
class Source:
    doc: str
    section: str


@dataclass(frozen=True)
class Answer:
    """An answer in every language, with the seed sections its facts come from."""

    texts: dict[str, str]
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class Entry:
    """The knowledge of one intent: a general answer, sharper ones per country, follow-ups."""

    intent: str
    answer: Answer
    related: tuple[str, ...] = ()
    by_country: dict[str, Answer] = field(default_factory=dict)

    def answer_for(self, country: str | None) -> Answer:
        if country and country in self.by_country:
            return self.by_country[country]
        return self.answer

    def is_silent_on(self, country: str | None) -> bool:
        """True for a country that neither a sharper answer nor the general one speaks of."""
        stem = COUNTRIES.get(country or "")
        return (
            stem is not None
            and country not in self.by_country
            and stem not in self.answer.texts["en"]
        )


def _answer(data: dict[str, Any], where: str) -> Answer:
    texts = data.get("answers") or {}
    missing = [lang for lang in LANGUAGES if not str(texts.get(lang) or "").strip()]
    if missing:
        raise KnowledgeError(f"{where}: no answer in {', '.join(missing)}")
    sources = tuple(Source(str(s["doc"]), str(s["section"])) for s in data.get("sources") or [])
    if not sources:
        raise KnowledgeError(f"{where}: no sources")
    return Answer({lang: str(texts[lang]).strip() for lang in LANGUAGES}, sources)


class Knowledge:
    """All entries, by intent; validated on load."""

    def __init__(self, entries: dict[str, Entry]) -> None:
        self.entries = entries

    @classmethod
    def load(cls, directory: Path = KNOWLEDGE_DIR) -> Knowledge:
        entries: dict[str, Entry] = {}
        for path in sorted(directory.glob("*.yml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            intent = str(data.get("intent") or path.stem)
            by_country = {}
            for code, country_data in (data.get("by_country") or {}).items():
                if code not in COUNTRIES:
                    raise KnowledgeError(f"{path.name}: unknown country {code}")
                by_country[code] = _answer(country_data, f"{path.name} [{code}]")
            related = tuple(data.get("related") or ())
            unknown = [r for r in (intent, *related) if r not in TOPICS]
            if unknown:
                raise KnowledgeError(f"{path.name}: not question intents: {unknown}")
            entries[intent] = Entry(intent, _answer(data, path.name), related, by_country)
        return cls(entries)

    def get(self, intent: str) -> Entry | None:
        return self.entries.get(intent)


def _cell(text: str) -> str:
    return text.strip().replace("|", "\\|").replace("\n", "<br>")


def render_markdown(knowledge: Knowledge) -> str:
    """docs/knowledge.md: one table per intent with every language, for native reviewers."""
    lines = [
        "# The bot's answers about the initiative",
        "",
        "Generated from `data/knowledge/` by `python -m bot knowledge-doc`; do not edit by "
        "hand. One table per question intent, each answer in all seven languages, with the "
        "seed sections its facts come from.",
        "",
    ]
    for intent in TOPICS:
        entry = knowledge.get(intent)
        if entry is None:
            continue
        variants = [("", entry.answer)] + [
            (f" — {code}", answer) for code, answer in sorted(entry.by_country.items())
        ]
        for suffix, answer in variants:
            lines += [f"## {intent}{suffix}", ""]
            sources = "; ".join(f"{s.doc}: {s.section}" for s in answer.sources)
            lines += [f"Sources: {sources}", ""]
            if entry.related and not suffix:
                lines += [f"Follow-up topics: {', '.join(entry.related)}", ""]
            lines += ["| language | answer |", "|---|---|"]
            lines += [
                f"| {NATIVE_NAMES[lang]} | {_cell(answer.texts[lang])} |" for lang in LANGUAGES
            ]
            lines.append("")
    return "\n".join(lines)
