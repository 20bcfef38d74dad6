"""Every answer and UI text names the glossary's things one way per language, in one register.

"Some other way" is made testable so: wherever the English text of an answer (or of a UI key)
names a term (the term's `en` pattern), the same answer in each language contains the term's
rendering (or one of its listed short forms); and no text of a language contains one of the
term's listed wrong variants. The texts: the answers (data/knowledge), the core texts
(bot/core/locales/<lang>.yml), every feature's texts (bot/core/locales/<feature>/<lang>.yml),
the survey definitions (data/surveys) and the example events (data/events.yml).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from actions.event_file import load as load_events
from actions.glossary import HAN, Glossary
from actions.knowledge import Answer, Knowledge
from actions.survey_defs import SURVEYS_DIR
from actions.survey_defs import load as load_surveys
from bot.core.i18n import LANGUAGES, LOCALES_DIR, NATIVE_NAMES
from bot.core.settings import ROOT

OTHERS = [lang for lang in LANGUAGES if lang != "en"]


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return Glossary.load()


def _answers() -> list[tuple[str, Answer]]:
    found = []
    for intent, entry in Knowledge.load().entries.items():
        found.append((intent, entry.answer))
        found += [(f"{intent}[{code}]", answer) for code, answer in entry.by_country.items()]
    return found


def _texts_of(path: Path) -> dict[str, str]:
    return {str(k): str(v) for k, v in yaml.safe_load(path.read_text(encoding="utf-8")).items()}


def _ui_texts() -> dict[str, dict[str, str]]:
    """The core texts (bot/core/locales/<lang>.yml)."""
    return {lang: _texts_of(LOCALES_DIR / f"{lang}.yml") for lang in LANGUAGES}


def _feature_texts() -> dict[str, dict[str, dict[str, str]]]:
    """Each feature's texts (bot/core/locales/<feature>/<lang>.yml), by feature."""
    return {
        folder.name: {
            lang: _texts_of(folder / f"{lang}.yml")
            for lang in LANGUAGES
            if (folder / f"{lang}.yml").exists()
        }
        for folder in sorted(LOCALES_DIR.iterdir())
        if folder.is_dir()
    }


def _survey_texts() -> list[tuple[str, dict[str, str]]]:
    """(where, texts by language) of every text of every survey (data/surveys)."""
    found: list[tuple[str, dict[str, str]]] = []
    for survey in load_surveys(SURVEYS_DIR).values():
        where = f"survey:{survey.id}"
        found += [
            (f"{where}.title", survey.title),
            (f"{where}.intro", survey.intro),
            (f"{where}.thanks", survey.thanks),
        ]
        for question in survey.questions:
            found.append((f"{where}.{question.id}", question.text))
            found += [(f"{where}.{question.id}.{o.id}", o.text) for o in question.options]
    return found


def _event_texts() -> list[tuple[str, dict[str, str]]]:
    """(where, texts by language) of every text of every example event (data/events.yml)."""
    found: list[tuple[str, dict[str, str]]] = []
    for event in load_events(ROOT / "data" / "events.yml"):
        where = f"event:{event.id}"
        found += [(f"{where}.title", event.title), (f"{where}.summary", event.summary)]
        if event.place:
            found.append((f"{where}.place", event.place))
    return found


def _pairs() -> list[tuple[str, str, str, str]]:
    """(where, lang, text, English text) for every answer and every UI text."""
    pairs = [
        (name, lang, answer.texts[lang], answer.texts["en"])
        for name, answer in _answers()
        for lang in LANGUAGES
    ]
    catalogues = [("ui", _ui_texts())]
    catalogues += [(f"ui:{feature}", texts) for feature, texts in _feature_texts().items()]
    pairs += [
        (f"{where}:{key}", lang, texts[lang][key], english)
        for where, texts in catalogues
        for key, english in texts["en"].items()
        for lang in LANGUAGES
        if key in texts[lang]
    ]
    pairs += [
        (where, lang, texts[lang], texts["en"])
        for where, texts in _survey_texts() + _event_texts()
        for lang in LANGUAGES
    ]
    return pairs


PAIRS = _pairs()


def test_the_glossary_covers_every_language(glossary: Glossary) -> None:
    ids = {term.id for term in glossary.terms}
    assert {"initiative", "center", "lmec", "lancang_mekong", "framework", "roundtable"} <= ids
    assert {"forum", "dialogue", "platform", "knowledge_platform", "demonstration_project"} <= ids
    assert {"capacity_building", "ngo", "special_fund", "volunteer", "youth"} <= ids
    for term in glossary.terms:
        assert all(term.use[lang] and term.why[lang] for lang in LANGUAGES), term.id
    assert set(glossary.registers) == set(LANGUAGES)


def test_no_text_uses_a_wrong_variant(glossary: Glossary) -> None:
    found = [
        f"{where} [{lang}] {term.id}: {variant!r}"
        for where, lang, text, _ in PAIRS
        for term in glossary.terms
        for variant in term.wrong_variants(lang, text)
    ]
    assert not found, "\n".join(found)


def test_a_term_the_english_names_is_named_by_its_rendering(glossary: Glossary) -> None:
    found = [
        f"{where} [{lang}] {term.id}: expected {' / '.join(term.use[lang])}"
        for where, lang, text, english in PAIRS
        for term in glossary.terms
        if term.en.search(english) and not term.named_in(lang, text)
    ]
    assert not found, "\n".join(found)


def test_the_check_catches_another_name(glossary: Glossary) -> None:
    """The checks fail on the slips the review found (so they can fail)."""
    terms = {term.id: term for term in glossary.terms}
    assert terms["initiative"].wrong_variants("lo", "ແຜນການລ້ານຊ້າງ-ແມ່ຂອງສີຂຽວ")
    assert not terms["initiative"].named_in("lo", "ແຜນການລ້ານຊ້າງ-ແມ່ຂອງສີຂຽວ")
    assert terms["roundtable"].wrong_variants("my", "၂၀၂၄ မေလ ကူမင်းဆွေးနွေးပွဲ")
    assert not terms["roundtable"].wrong_variants("my", "ကူမင်း စားပွဲဝိုင်းဆွေးနွေးပွဲ")
    assert not terms["roundtable"].wrong_variants("my", "အလုပ်ရုံဆွေးနွေးပွဲတွေ")  # workshops
    assert terms["demonstration_project"].wrong_variants("my", "🏗 မြေပြင်စီမံကိန်းများ")
    assert terms["contribution"].wrong_variants("km", "ជំនួយជាសាច់ប្រាក់")
    burmese = glossary.register_wrong["my"]
    assert any(pattern.search("မစမီ သတိပေးပါမည်") for pattern in burmese)
    assert not any(pattern.search("မစခင် သတိပေးပါမယ်") for pattern in burmese)
    assert any(pattern.search("(နေရာကို နောက်မှ ကြေညာမည်)") for pattern in burmese)
    assert not any(pattern.search("နာမည် ဒါမှမဟုတ် အမည်") for pattern in burmese)


def test_no_han_characters_outside_chinese(glossary: Glossary) -> None:
    """Places the documents name only in Chinese are romanised (glossary places); the native
    name of Chinese on the language list is the one exception."""
    found = []
    for where, lang, text, _ in PAIRS:
        if lang == "zh":
            continue
        stripped = text.replace(NATIVE_NAMES["zh"], "")
        found += [f"{where} [{lang}]: {m.group(0)}" for m in HAN.finditer(stripped)]
    assert not found, "\n".join(found)
    assert all(not HAN.search(name) for p in glossary.places for name in p.names.values())


def test_one_register_per_language(glossary: Glossary) -> None:
    found = [
        f"{where} [{lang}]: {m.group(0)!r} ({pattern.pattern})"
        for where, lang, text, _ in PAIRS
        for pattern in glossary.register_wrong.get(lang, ())
        for m in pattern.finditer(text)
    ]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("lang", ["lo"])
def test_particles_only_where_a_person_would_use_them(glossary: Glossary, lang: str) -> None:
    limits = glossary.particle_limits[lang]
    particle = limits["particle"]
    ui = [key for key, text in _ui_texts()[lang].items() if particle in text]
    answers = [name for name, answer in _answers() if particle in answer.texts[lang]]
    assert len(ui) <= limits["ui_max"], ui
    assert len(answers) <= limits["answers_max"], answers


def test_the_glossary_file_is_where_the_test_reads_it() -> None:
    assert (Path(__file__).resolve().parents[1] / "data" / "glossary.yml").is_file()
