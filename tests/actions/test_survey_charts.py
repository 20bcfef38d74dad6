"""Survey charts: PNG images, and titles wrapped without tearing a letter from its marks."""

from __future__ import annotations

import io
import unicodedata

import pytest
from PIL import Image

from actions import survey_charts
from actions.survey_defs import catalogue

THAI = "คุณมีแนวโน้มจะแนะนำกิจกรรมลักษณะนี้ให้เพื่อนหรือเพื่อนร่วมงานมากน้อยเพียงใด"
KHMER = "តើអ្នកនឹងណែនាំសកម្មភាពបែបនេះដល់មិត្តភក្តិឬសហការីរបស់អ្នកកម្រិតណា"
BURMESE = "ဒီလိုလှုပ်ရှားမှုမျိုးကို သူငယ်ချင်း ဒါမှမဟုတ် လုပ်ဖော်ကိုင်ဖက်တွေကို ဘယ်လောက်အထိ အကြံပြုချင်ပါသလဲ"


@pytest.mark.parametrize("text", [THAI, KHMER, BURMESE, "How likely are you " * 8])
def test_titles_wrap_between_letters_never_inside_one(text: str) -> None:
    lines = survey_charts.wrap(text, 20).split("\n")
    assert len(lines) > 1 and all(len(line) <= 20 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for line in lines[1:]:
        assert not unicodedata.category(line[0]).startswith("M"), line  # no orphaned mark
    for line in lines[:-1]:
        assert line[-1] not in "\u1039\u17d2เแโใไ", line  # nothing left to stack or to lead


def test_one_chart_a_question_each_a_png() -> None:
    survey = catalogue()["event-feedback"]
    results = {
        "questions": {
            q.id: {
                "n": 2,
                "mean": 4.5 if q.type == "rating" else None,
                "nps": 0.0 if q.type == "nps" else None,
                "nps_warning": "few" if q.type == "nps" else None,
                "distribution": {o.id: 1 for o in q.options}
                if q.options
                else {str(n): 1 for n in range(11 if q.type == "nps" else 5)},
                "answers": [{"text": "ok", "language": "km"}],
            }
            for q in survey.questions
        }
    }
    charts = survey_charts.question_pngs(survey, results, "km")
    assert len(charts) == len(survey.questions)
    for chart in charts:
        with Image.open(io.BytesIO(chart)) as image:
            assert image.format == "PNG" and image.width > image.height > 200
    with Image.open(io.BytesIO(survey_charts.survey_png(survey, results))) as whole:
        assert whole.height > 1.4 * whole.width  # four charts, one under the other
