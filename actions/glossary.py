"""The glossary (data/glossary.yml): one rendering per term and language, and one register each."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.core.i18n import LANGUAGES

GLOSSARY_PATH = Path(__file__).resolve().parent.parent / "data" / "glossary.yml"
# Han ideographs (CJK unified, extension A, compatibility).
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


class GlossaryError(ValueError):
    """The glossary file is malformed or incomplete."""


@dataclass(frozen=True)
class Term:
    """A thing the bot names: how English texts name it, and its one rendering per language."""

    id: str
    en: re.Pattern[str]
    use: dict[str, tuple[str, ...]]  # the rendering first, then the only accepted short forms
    why: dict[str, str]
    wrong: dict[str, tuple[re.Pattern[str], ...]]

    def rendering(self, lang: str) -> str:
        return self.use[lang][0]

    def named_in(self, lang: str, text: str) -> bool:
        """True when text names the term by its rendering or one of its accepted short forms."""
        folded = text.casefold()
        return any(form.casefold() in folded for form in self.use[lang])

    def wrong_variants(self, lang: str, text: str) -> list[str]:
        return [m.group(0) for pattern in self.wrong.get(lang, ()) for m in pattern.finditer(text)]


@dataclass(frozen=True)
class Place:
    """A place the documents name only in Chinese, with the names the bot gives it."""

    zh: str
    province: str
    names: dict[str, str]
    note: str


@dataclass(frozen=True)
class Glossary:
    terms: tuple[Term, ...]
    places: tuple[Place, ...]
    registers: dict[str, str]
    register_wrong: dict[str, tuple[re.Pattern[str], ...]]
    particle_limits: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = GLOSSARY_PATH) -> Glossary:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        terms = []
        for raw in data.get("terms") or []:
            where = f"{path.name}: {raw.get('id')}"
            use = {
                lang: tuple(str(form) for form in raw["use"].get(lang) or ()) for lang in LANGUAGES
            }
            missing = [lang for lang in LANGUAGES if not use[lang] or not raw["why"].get(lang)]
            if missing:
                raise GlossaryError(f"{where}: no rendering or reason in {', '.join(missing)}")
            wrong = {
                lang: tuple(re.compile(p) for p in patterns)
                for lang, patterns in (raw.get("wrong") or {}).items()
            }
            terms.append(
                Term(
                    str(raw["id"]),
                    re.compile(str(raw["en"])),
                    use,
                    {lang: str(raw["why"][lang]) for lang in LANGUAGES},
                    wrong,
                )
            )
        places = tuple(
            Place(str(p["zh"]), str(p["province"]), dict(p["names"]), str(p.get("note", "")))
            for p in data.get("places") or []
        )
        registers = {lang: str(text) for lang, text in (data.get("registers") or {}).items()}
        if set(registers) != set(LANGUAGES):
            raise GlossaryError(f"{path.name}: a register for each of {', '.join(LANGUAGES)}")
        register_wrong = {
            lang: tuple(re.compile(p) for p in patterns)
            for lang, patterns in (data.get("register_wrong") or {}).items()
        }
        return cls(
            tuple(terms), places, registers, register_wrong, data.get("particle_limits") or {}
        )


def _cell(text: str) -> str:
    return text.strip().replace("|", "\\|").replace("\n", "<br>")


def render_table(glossary: Glossary) -> list[str]:
    """The glossary as Markdown: one row per term, each language's rendering and its reason."""
    lines = [
        "## Glossary",
        "",
        "Every text names these things so (`data/glossary.yml`; `tests/test_glossary.py` checks "
        "the answers and the texts). Each cell: the rendering, then why.",
        "",
        "| term | " + " | ".join(LANGUAGES) + " |",
        "|---" * (len(LANGUAGES) + 1) + "|",
    ]
    for term in glossary.terms:
        cells = [
            f"**{_cell(term.rendering(lang))}**<br>{_cell(term.why[lang])}" for lang in LANGUAGES
        ]
        lines.append(f"| {term.id} | " + " | ".join(cells) + " |")
    lines += ["", "### Register", "", "| language | register |", "|---|---|"]
    lines += [f"| {lang} | {_cell(glossary.registers[lang])} |" for lang in LANGUAGES]
    if glossary.places:
        lines += [
            "",
            "### Place names for the Center to confirm",
            "",
            "Named only in Chinese in the documents; the answers give these names.",
            "",
            "| Chinese | province | "
            + " | ".join(lang for lang in LANGUAGES if lang != "zh")
            + " | note |",
            "|---" * (len(LANGUAGES) + 2) + "|",
        ]
        for place in glossary.places:
            names = " | ".join(
                _cell(place.names.get(lang, "")) for lang in LANGUAGES if lang != "zh"
            )
            lines.append(
                f"| {place.zh} | {_cell(place.province)} | {names} | {_cell(place.note)} |"
            )
    lines.append("")
    return lines
