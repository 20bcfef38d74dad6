"""Survey results as charts: one bar chart per question, PNG bytes (matplotlib).

For the command line (`survey results --png`: every question in one image) and for staff in
Telegram (`/results`: one image per question, readable on a phone). Drawn on matplotlib's
Figure without pyplot's global state, so a chart may be drawn in a worker thread while the bot
serves others.
"""

from __future__ import annotations

import functools
import io
import textwrap
import unicodedata
from typing import TYPE_CHECKING, Any

from actions.survey_defs import SCALES, Question, Survey, describe

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# Tried in order for every glyph (matplotlib ≥ 3.6 falls back per glyph): Latin and
# Vietnamese, Chinese, Thai, Khmer, Lao, Burmese. Installed by scripts/setup.sh
# (Debian fonts-noto-core and fonts-noto-cjk).
FONTS = [
    "Noto Sans",
    "Noto Sans CJK SC",
    "Noto Sans Thai",
    "Noto Sans Khmer",
    "Noto Sans Lao",
    "Noto Sans Myanmar",
    "DejaVu Sans",
]
COLOUR = "#2a7f62"
TITLE_WIDTH = 70
# A line never ends after these: Burmese virama and Khmer coeng (they stack the next letter),
# Thai and Lao vowels written before their consonant.
_HOLD_NEXT = frozenset("\u1039\u17d2เแโใไເແໂໃໄ")
WIDTH, HEIGHT_PER_QUESTION, DPI = 9.0, 3.2, 110


def wrap(text: str, width: int = TITLE_WIDTH) -> str:
    """Lines of at most width characters, broken at spaces where the script has them and
    elsewhere (Thai, Khmer, Burmese, Chinese) between letters, never inside one with its marks."""
    lines = []
    for line in textwrap.wrap(text, width, break_long_words=False):
        while len(line) > width:
            cut = width
            while cut > 1 and (
                unicodedata.category(line[cut]).startswith("M") or line[cut - 1] in _HOLD_NEXT
            ):
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
        lines.append(line)
    return "\n".join(lines)


@functools.cache
def _matplotlib() -> None:
    """matplotlib, headless, in the fonts above (once, before the first chart)."""
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["font.family"] = FONTS


def _figure(height: float) -> Figure:
    _matplotlib()
    from matplotlib.figure import Figure

    return Figure(figsize=(WIDTH, height))


def _png(figure: Figure) -> bytes:
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _draw(axis: Axes, question: Question, figures: dict[str, Any], lang: str) -> None:
    """The question's bars: answers (scales, choices) or free-text answers by language."""
    from matplotlib.ticker import MaxNLocator

    if question.type in SCALES or question.type in ("choice", "choices"):
        labels = list(figures["distribution"])
        if question.type in ("choice", "choices"):
            labels = [describe(question, key, lang) for key in labels]
        counts = list(figures["distribution"].values())
    else:  # free text: how many answered, by language
        by_language: dict[str, int] = {}
        for answer in figures.get("answers", []):
            key = answer["language"] or "?"
            by_language[key] = by_language.get(key, 0) + 1
        labels, counts = list(by_language), list(by_language.values())
    if question.type in ("choice", "choices"):
        axis.barh(labels, counts, color=COLOUR)
        axis.invert_yaxis()
        axis.set_xlabel("responses")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        axis.bar(labels, counts, color=COLOUR)
        axis.set_ylabel("responses" if question.type != "text" else "answers by language")
        axis.yaxis.set_major_locator(MaxNLocator(integer=True))
    note = f"n={figures['n']}"
    if figures.get("mean") is not None:
        note += f" · mean {figures['mean']}"
    if figures.get("nps") is not None:
        note += f" · NPS {figures['nps']:+.0f}"
        if figures.get("nps_warning"):
            note += " (n < 30)"
    title = question.text.get(lang) or question.text["en"]
    axis.set_title(f"{wrap(title)}\n{note}", fontsize=10)


def survey_png(survey: Survey, results: dict[str, Any], lang: str = "en") -> bytes:
    """Every question's chart, one under the other, in one image titled with the survey."""
    questions = survey.questions
    figure = _figure(HEIGHT_PER_QUESTION * len(questions))
    axes = figure.subplots(len(questions), 1, squeeze=False)
    for axis, question in zip(axes[:, 0], questions, strict=True):
        _draw(axis, question, results["questions"][question.id], lang)
    figure.suptitle(survey.title.get(lang) or survey.title["en"], fontsize=13)
    return _png(figure)


def question_pngs(survey: Survey, results: dict[str, Any], lang: str = "en") -> list[bytes]:
    """One image per question, each titled with the survey and the question's number."""
    title = survey.title.get(lang) or survey.title["en"]
    charts = []
    for index, question in enumerate(survey.questions, 1):
        figure = _figure(HEIGHT_PER_QUESTION + 0.6)
        _draw(figure.subplots(), question, results["questions"][question.id], lang)
        figure.suptitle(f"{title} ({index}/{len(survey.questions)})", fontsize=12)
        charts.append(_png(figure))
    return charts
