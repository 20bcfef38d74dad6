"""`python -m bot survey results ID`: a survey's results as text, JSON, CSV and charts."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from actions import survey_charts, survey_results
from actions.survey_defs import Survey, catalogue
from bot.core.i18n import Catalog
from bot.core.settings import Settings
from bot.storage.database import Database


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
    """One bar chart per question in one image, titled in `lang`."""
    path.write_bytes(survey_charts.survey_png(survey, results, lang))


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
