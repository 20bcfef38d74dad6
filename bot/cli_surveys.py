"""`python -m bot survey results ID`: a survey's results as text, JSON, CSV and charts."""

from __future__ import annotations

import csv
import json
import textwrap
from pathlib import Path
from typing import Any

from actions import survey_results
from actions.survey_defs import SCALES, Survey, catalogue
from actions.surveys import describe
from bot.core.i18n import Catalog
from bot.core.settings import Settings
from bot.storage.database import Database

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


def write_csv(path: Path, survey: Survey, rows: list[survey_results.Row]) -> None:
    """One row per response, one column per question; UTF-8 with a BOM (Excel reads Thai)."""
    head = ["response", "survey", "event", "status", "language", "country", "channel"]
    head += ["started_at", "completed_at", *[q.id for q in survey.questions]]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(head)
        for row in rows:
            response = row.response
            cells: list[object] = [
                response.id,
                response.survey_id,
                response.event_id or "",
                "complete" if row.complete else "partial",
                response.language or "",
                response.country or "",
                response.channel or "",
                response.started_at.isoformat(timespec="seconds"),
                response.completed_at.isoformat(timespec="seconds")
                if response.completed_at
                else "",
            ]
            for question in survey.questions:
                value = row.answers.get(question.id)
                if value is None:
                    cells.append("")
                elif question.type == "choices" and isinstance(value, list):
                    cells.append(";".join(str(v) for v in value))
                else:
                    cells.append(value)
            writer.writerow(cells)


def write_png(path: Path, survey: Survey, results: dict[str, Any], lang: str = "en") -> None:
    """One bar chart per question, titled in `lang`, in a font covering the seven scripts."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    plt.rcParams["font.family"] = FONTS
    questions = survey.questions
    figure, axes = plt.subplots(len(questions), 1, figsize=(9, 3.2 * len(questions)), squeeze=False)
    for axis, question in zip(axes[:, 0], questions, strict=True):
        figures = results["questions"][question.id]
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
            axis.barh(labels, counts, color="#2a7f62")
            axis.invert_yaxis()
            axis.set_xlabel("responses")
            axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        else:
            axis.bar(labels, counts, color="#2a7f62")
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
        axis.set_title("\n".join(textwrap.wrap(title, 70)) + f"\n{note}", fontsize=10)
    figure.suptitle(survey.title.get(lang) or survey.title["en"], fontsize=13)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


async def results_cli(
    settings: Settings,
    survey_id: str,
    *,
    event: str | None = None,
    as_json: bool = False,
    csv_path: str | None = None,
    png_path: str | None = None,
    status: str = "all",
    lang: str = "en",
) -> int:
    """Print the results (text, or the design's JSON); write the CSV and the PNG when asked."""
    surveys = catalogue()
    survey = surveys.get(survey_id)
    if survey is None:
        print(f"no survey {survey_id!r}; surveys: {', '.join(sorted(surveys))}")  # noqa: T201
        return 2
    db = Database(settings.database_url)
    try:
        await db.migrate()
        async with db.session() as session:
            results, rows = await survey_results.compute(session, survey, event, status)
    finally:
        await db.dispose()
    if csv_path:
        write_csv(Path(csv_path), survey, rows)
    if png_path:
        write_png(Path(png_path), survey, results, lang)
    if as_json:
        print(json.dumps(results, ensure_ascii=False, indent=2))  # noqa: T201
    else:
        print(survey_results.summary(results, survey, lang, Catalog.load()))  # noqa: T201
    return 0
