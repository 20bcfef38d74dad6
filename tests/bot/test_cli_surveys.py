"""`python -m bot survey results`: the design's JSON, the CSV and the charts, as staff run it."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image

from actions.survey_defs import catalogue
from actions.surveys import respondent_key
from bot.core.settings import ROOT
from bot.storage import repo
from bot.storage import surveys as store
from bot.storage.database import Database

PEOPLE = [
    # language, country, overall, recommend, useful, improve (None: stopped after two answers)
    ("km", "KH", 5, 10, ["talks", "networking"], "សូមបន្ថែមពេលវេលាសម្រាប់ការពិភាក្សា"),
    ("th", "TH", 4, 6, ["materials"], "อยากให้มีเอกสารภาษาไทยมากขึ้น"),
    ("my", "MM", 4, 9, None, None),
    ("zh", "CN", 3, 8, ["discussion"], "希望有更多实地考察"),
    ("lo", "LA", 5, 9, ["practice"], "ຢາກໃຫ້ມີກິດຈະກຳພາກສະໜາມຫຼາຍຂຶ້ນ"),
    ("vi", "VN", 2, 3, [], "Nên có phiên dịch tốt hơn"),
]


async def _fill(url: str) -> None:
    db = Database(url)
    await db.migrate()
    survey = catalogue()["event-feedback"]
    now = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    try:
        async with db.session() as session:
            for n, (lang, country, overall, nps, useful, improve) in enumerate(PEOPLE):
                user, _ = await repo.get_or_create_user(session, "telegram", f"p{n}", f"p{n}")
                user.language, user.country = lang, country
                await store.add_invitation(session, survey.id, "e1", user.id, now)
                response = await store.create_response(
                    session,
                    survey_id=survey.id,
                    event_id="e1",
                    respondent=respondent_key(survey, user),
                    user_id=user.id,
                    language=lang,
                    channel="telegram",
                    country=country,
                    now=now,
                )
                await store.save_answer(session, response, "overall", overall, now)
                await store.save_answer(session, response, "recommend", nps, now)
                if useful is None:
                    continue
                await store.save_answer(session, response, "useful", useful or None, now)
                await store.save_answer(session, response, "improve", improve, now)
                await store.finish(session, response, user.id, now + timedelta(minutes=3), ())
    finally:
        await db.dispose()


def _results(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    for name in ("TELEGRAM_TOKEN", "LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "bot", "survey", "results", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


async def test_results_json_csv_and_charts_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    await _fill(url)
    csv_path, png_path = tmp_path / "r.csv", tmp_path / "r.png"
    printed = _results(
        url,
        "event-feedback",
        "--event",
        "e1",
        "--json",
        "--csv",
        str(csv_path),
        "--png",
        str(png_path),
    )
    results = json.loads(printed.stdout)
    assert {
        "survey",
        "invited",
        "started",
        "completed",
        "response_rate",
        "completion_rate",
        "questions",
        "by_language",
    } <= set(results)
    assert (results["invited"], results["started"], results["completed"]) == (6, 6, 5)
    recommend = results["questions"]["recommend"]
    # promoters 10, 9, 9 (3); detractors 6, 3 (2); of 6 → +16.7
    assert set(recommend) >= {"type", "n", "mean", "distribution", "nps"}
    assert (recommend["n"], recommend["nps"]) == (6, 16.7)
    assert results["by_language"]["my"] == {"started": 1, "completed": 0}
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["improve"] for row in rows] == [p[5] or "" for p in PEOPLE]
    with Image.open(png_path) as image:
        assert image.width > 500 and image.height > 1000
    text = _results(url, "event-feedback", "--status", "partial").stdout
    assert "n=1" in text
