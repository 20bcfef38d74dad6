"""The knowledge base: complete in seven languages, every number traceable to the seeds."""

import contextlib
import re
import unicodedata
from pathlib import Path

import pytest

from actions.knowledge import LANGUAGES, TOPICS, Answer, Knowledge, render_markdown

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT.parent / "shared" / "seeds"
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
CHINESE_NUMERALS = {c: str(i) for i, c in enumerate("〇一二三四五六七八九十")}


def _ascii_digits(text: str) -> str:
    return "".join(str(unicodedata.digit(c)) if c.isdigit() else c for c in text)


def _readings(token: str) -> set[float]:
    """The values a written number can mean: 1,699 / 1.699 / 21,58 / 3.000."""
    values = set()
    for thousands, decimal in ((",", "."), (".", ",")):
        cleaned = token.replace(thousands, "").replace(decimal, ".")
        with contextlib.suppress(ValueError):
            values.add(float(cleaned))
    values.add(float(re.sub(r"[.,]", "", token)))
    if token.count(".") > 1:  # a section number such as 4.1.1
        values |= {float(part) for part in token.split(".")}
    return values


@pytest.fixture(scope="module")
def seed_numbers() -> set[float]:
    text = "".join(path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt")))
    text = "".join(CHINESE_NUMERALS.get(c, c) for c in text)
    numbers = set()
    for token in NUMBER.findall(text):
        numbers |= {float(part) for part in token.replace(",", "").split(".")}
        if token.replace(",", "").count(".") == 1:
            numbers.add(float(token.replace(",", "")))
    return numbers


def _traceable(value: float, seeds: set[float]) -> bool:
    """value is a seed number, or one in other units (16.99亿 = 1.699 billion = 1,699 million)."""
    return any(
        abs(value - seed * 10**k) <= 1e-9 * max(1.0, abs(value))
        for seed in seeds
        for k in (-1, 0, 1, 2, 3)
    )


def _answers(knowledge: Knowledge) -> list[tuple[str, Answer]]:
    found = []
    for intent, entry in knowledge.entries.items():
        found.append((intent, entry.answer))
        found += [(f"{intent}[{code}]", answer) for code, answer in entry.by_country.items()]
    return found


def test_every_question_intent_has_an_entry(knowledge: Knowledge) -> None:
    assert set(knowledge.entries) == set(TOPICS)


def test_every_answer_exists_in_all_seven_languages(knowledge: Knowledge) -> None:
    for where, answer in _answers(knowledge):
        for lang in LANGUAGES:
            text = answer.texts[lang]
            assert text.strip(), f"{where} has no {lang} answer"
            assert len(text) <= 800, f"{where} {lang} is too long for a chat screen"
        assert answer.sources, f"{where} names no source"


def test_every_number_is_in_the_seed_documents(
    knowledge: Knowledge, seed_numbers: set[float]
) -> None:
    untraceable = []
    for where, answer in _answers(knowledge):
        for lang, text in answer.texts.items():
            for token in NUMBER.findall(_ascii_digits(text)):
                if not any(_traceable(v, seed_numbers) for v in _readings(token)):
                    untraceable.append(f"{where} {lang}: {token}")
    assert not untraceable


def test_the_check_catches_an_invented_number(seed_numbers: set[float]) -> None:
    assert not any(_traceable(v, seed_numbers) for v in _readings("4,321"))
    assert all(_traceable(v, seed_numbers) for v in (2017, 21.58, 1.699, 3000))


def _figures(text: str) -> set[str]:
    """The figures of a text as digit strings, whatever the script, unit or separators.

    16.99亿, 1.699 billion and 1,699 million are all "1699"; 5,8 and 5.8 are "58". Month numbers
    are left out ("5月" is "May" in other languages).
    """
    figures = {
        re.sub(r"[.,]", "", token).strip("0") for token in NUMBER.findall(_ascii_digits(text))
    }
    return figures - {str(month) for month in range(1, 13)}


def test_every_language_gives_the_same_figures(knowledge: Knowledge) -> None:
    differing = []
    for where, answer in _answers(knowledge):
        english = _figures(answer.texts["en"])
        for lang, text in answer.texts.items():
            if _figures(text) != english:
                differing.append(f"{where} {lang}: {sorted(_figures(text) ^ english)}")
    assert not differing


def test_the_figure_check_sees_a_changed_figure() -> None:
    assert _figures("16.99亿人，2024年5月") == _figures("1.699 billion people, May 2024")
    assert _figures("ลด 42%") != _figures("cut by 24%")


def test_country_answers_are_sharper(knowledge: Knowledge) -> None:
    climate = knowledge.entries["climate_action"]
    cambodia = climate.answer_for("KH").texts["en"]
    assert "42" in cambodia and climate.answer_for(None) is climate.answer
    assert climate.answer_for("XX") is climate.answer


def test_a_country_the_answers_do_not_speak_of_is_noticed(knowledge: Knowledge) -> None:
    entries = knowledge.entries
    assert entries["biodiversity"].is_silent_on("TH")
    assert entries["demo_projects"].is_silent_on("MM")
    assert not entries["demo_projects"].is_silent_on("LA")  # a sharper answer
    assert not entries["funding"].is_silent_on("CN")  # the general answer names China's funds
    assert not entries["lmec_about"].is_silent_on("CN")  # LMEC is in Beijing
    assert not any(entry.is_silent_on(None) for entry in entries.values())


def test_review_document_is_up_to_date(knowledge: Knowledge) -> None:
    document = (ROOT / "docs" / "knowledge.md").read_text(encoding="utf-8")
    assert document == render_markdown(knowledge), "run `python -m bot knowledge-doc`"
