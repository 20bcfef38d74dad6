"""Survey results for staff: counts, rates, per-question figures, NPS, breakdowns (DESIGN.md).

The JSON shape is the design's contract: {"survey", "invited", "started", "completed",
"response_rate", "completion_rate", "questions": {id: {"type", "n", "mean", "distribution",
"nps"}}, "by_language": {lang: {"started", "completed"}}}, with more keys beside them.
A response is *started* once it holds an answer, *complete* once the last question is past.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from actions.survey_defs import SCALES, Question, Survey
from bot.storage import surveys as store
from bot.storage.models import SurveyResponse

NPS_MIN_N = 30
STATUSES = ("all", "complete", "partial")


@dataclass(frozen=True)
class Row:
    """One response with its answers, as results and the CSV read it."""

    response: SurveyResponse
    answers: dict[str, object]

    @property
    def complete(self) -> bool:
        return self.response.completed_at is not None


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def _question(question: Question, rows: list[Row]) -> dict[str, Any]:
    given = [(row, row.answers[question.id]) for row in rows if question.id in row.answers]
    values = [(row, value) for row, value in given if value is not None]
    result: dict[str, Any] = {
        "type": question.type,
        "n": len(values),
        "skipped": len(given) - len(values),
        "mean": None,
        "distribution": {},
        "nps": None,
    }
    if question.type in SCALES:
        numbers = [int(str(value)) for _, value in values]
        counts = Counter(numbers)
        result["distribution"] = {str(n): counts.get(n, 0) for n in SCALES[question.type]}
        result["mean"] = round(sum(numbers) / len(numbers), 2) if numbers else None
        if question.type == "nps":
            promoters = sum(1 for n in numbers if n >= 9)
            detractors = sum(1 for n in numbers if n <= 6)
            result["nps"] = (
                round(100 * (promoters - detractors) / len(numbers), 1) if numbers else None
            )
            result["nps_n"] = len(numbers)
            result["nps_warning"] = (
                f"only {len(numbers)} answers (under {NPS_MIN_N}): the NPS is not reliable"
                if len(numbers) < NPS_MIN_N
                else None
            )
    elif question.type in ("choice", "choices"):
        picks: Counter[str] = Counter()
        for _, value in values:
            for chosen in value if isinstance(value, list) else [value]:
                picks[str(chosen)] += 1
        result["distribution"] = {o.id: picks.get(o.id, 0) for o in question.options}
    else:
        result["answers"] = [
            {"text": str(value), "language": row.response.language} for row, value in values
        ]
    return result


def _breakdown(rows: list[Row], key: str) -> dict[str, dict[str, int]]:
    result: dict[str, dict[str, int]] = {}
    for row in rows:
        name = getattr(row.response, key) or "?"
        entry = result.setdefault(name, {"started": 0, "completed": 0})
        entry["started"] += 1
        entry["completed"] += int(row.complete)
    return dict(sorted(result.items()))


async def load_rows(session: AsyncSession, survey: Survey, event_id: str | None) -> list[Row]:
    pairs = await store.responses_with_answers(session, survey.id, event_id)
    return [Row(response, answers) for response, answers in pairs if answers]


async def compute(
    session: AsyncSession, survey: Survey, event_id: str | None = None, status: str = "all"
) -> tuple[dict[str, Any], list[Row]]:
    """The results of a survey (of one event when given); questions over `status` responses."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}")
    rows = await load_rows(session, survey, event_id)
    invited = await store.invited_count(session, survey.id, event_id)
    completed = sum(1 for row in rows if row.complete)
    chosen = [
        row
        for row in rows
        if status == "all" or (row.complete if status == "complete" else not row.complete)
    ]
    results: dict[str, Any] = {
        "survey": survey.id,
        "event": event_id,
        "filter": status,
        "invited": invited,
        "started": len(rows),
        "completed": completed,
        "partial": len(rows) - completed,
        "response_rate": _rate(len(rows), invited),
        "completion_rate": _rate(completed, len(rows)),
        "questions": {q.id: _question(q, chosen) for q in survey.questions},
        "by_language": _breakdown(chosen, "language"),
        "by_country": _breakdown(chosen, "country"),
        "by_channel": _breakdown(chosen, "channel"),
    }
    return results, chosen


def _percent(rate: object) -> str:
    return "—" if rate is None else f"{100 * float(str(rate)):.0f}%"


def summary(results: dict[str, Any], survey: Survey, lang: str, texts: Any) -> str:
    """A short text of the results for the staff chat (texts: a Catalog)."""
    title = survey.title.get(lang) or survey.title["en"]
    lines = [
        f"📊 {title} ({survey.id}{' · ' + results['event'] if results.get('event') else ''})",
        texts.get(
            lang,
            "staff.results.counts",
            invited=results["invited"],
            started=results["started"],
            completed=results["completed"],
            response_rate=_percent(results["response_rate"]),
            completion_rate=_percent(results["completion_rate"]),
        ),
    ]
    for question in survey.questions:
        figures = results["questions"][question.id]
        head = f"\n• {question.id} ({question.type}, n={figures['n']})"
        if question.type in SCALES:
            shown = " ".join(f"{k}:{v}" for k, v in figures["distribution"].items())
            head += f" mean {figures['mean']}" if figures["mean"] is not None else ""
            lines.append(head)
            lines.append(f"  {shown}")
            if question.type == "nps" and figures["nps"] is not None:
                warn = f" {texts.get(lang, 'staff.results.few')}" if figures["nps_warning"] else ""
                lines.append(f"  NPS {figures['nps']:+.0f} (n={figures['nps_n']}){warn}")
        elif question.type in ("choice", "choices"):
            lines.append(head)
            lines.append("  " + ", ".join(f"{k}: {v}" for k, v in figures["distribution"].items()))
        else:
            lines.append(head)
            for answer in figures.get("answers", [])[-5:]:
                lines.append(f"  [{answer['language'] or '?'}] {answer['text'][:200]}")
    languages = ", ".join(
        f"{k} {v['completed']}/{v['started']}" for k, v in results["by_language"].items()
    )
    if languages:
        lines.append(f"\n🌐 {languages}")
    return "\n".join(lines)
