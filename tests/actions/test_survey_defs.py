"""Survey files: the shipped ones load; a wrong set is refused whole, every error listed."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions.survey_defs import SurveyError, load
from bot.core.i18n import LANGUAGES


def test_the_shipped_surveys_load_in_seven_languages() -> None:
    surveys = load()
    assert {"general", "event-feedback"} <= set(surveys)
    event = surveys["event-feedback"]
    assert [q.type for q in event.questions] == ["rating", "nps", "choices", "text"]
    for survey in surveys.values():
        for texts in (survey.title, survey.intro, survey.thanks):
            assert set(texts) == set(LANGUAGES)
        for question in survey.questions:
            assert set(question.text) == set(LANGUAGES)


def _seven(text: str) -> str:
    return "{" + ", ".join(f"{lang}: {text}" for lang in LANGUAGES) + "}"


def test_a_wrong_file_is_refused_with_every_error_and_its_line(tmp_path: Path) -> None:
    (tmp_path / "general.yml").write_text(
        "\n".join(
            [
                "id: general",
                f"title: {_seven('T')}",
                f"intro: {_seven('I')}",
                "thanks: {en: Thanks, zh: 谢谢}",  # line 4: five languages missing
                "questions:",
                "  - id: q1",
                "    type: stars",  # line 7: no such type
                f"    text: {_seven('Q')}",
                "  - id: q1",  # line 9: a duplicate id
                "    type: choice",  # no options
                f"    text: {_seven('Q')}",
            ]
        ),
        encoding="utf-8",
    )
    with pytest.raises(SurveyError) as refused:
        load(tmp_path)
    problems = refused.value.problems
    path = tmp_path / "general.yml"
    assert f"{path}:4: thanks: missing language(s) th, vi, km, lo, my" in problems
    assert any(p.startswith(f"{path}:7: unknown question type 'stars'") for p in problems)
    assert f"{path}:9: question id 'q1' is used twice" in problems
    assert any(p.startswith(f"{path}:9: a choice question needs") for p in problems)
    assert len(problems) == 4


def test_a_set_without_the_general_survey_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SurveyError, match="general survey must exist"):
        load(tmp_path)
