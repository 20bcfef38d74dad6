"""The composition root's start-up: a fresh install lists the example events.

The bot is built by running_app (console channel, scripted Rasa stand-in, a SQLite file, time
a FakeClock on 2 December 2026) and asked through bot/console.py, as a new user would.
"""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from actions.event_admin import cancel_event
from actions.event_cards import EventsConfig
from actions.event_file import load
from bot.app import App, running_app
from bot.console import chat
from bot.core.i18n import LANGUAGES, Catalog
from bot.core.localtime import format_when
from bot.core.settings import ROOT, Settings
from bot.storage.models import Event
from tests.clock import FakeClock
from tests.standins.rasa import RasaStandIn

EXAMPLES = ROOT / "data" / "events.yml"
# "What's coming up?" as people ask it in each language.
QUESTIONS = {
    "zh": "最近有什么活动？",
    "en": "what's coming up?",
    "th": "ช่วงนี้มีกิจกรรมอะไรบ้าง",
    "vi": "Sắp tới có sự kiện gì không?",
    "km": "តើមានព្រឹត្តិការណ៍អ្វីខ្លះនាពេលខាងមុខ?",
    "lo": "ໄລຍະນີ້ມີກິດຈະກຳຫຍັງແດ່?",
    "my": "လာမယ့် ပွဲတွေ ဘာတွေ ရှိလဲ",
}
# Wednesday 2 December 2026, 10:00 in Bangkok.
TODAY = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


@pytest.fixture
async def rasa_url() -> AsyncIterator[str]:
    async with RasaStandIn({q: "list_events" for q in QUESTIONS.values()}) as rasa:
        yield rasa.url


def settings_for(tmp_path: Path, rasa_url: str, **overrides: object) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        rasa_url=rasa_url,
        **overrides,  # type: ignore[arg-type]
    )


async def ask(app: App, text: str, user: str) -> str:
    """Type one line in the console as `user`; what the bot printed."""
    assert app.console is not None
    app.console.stdout = io.StringIO()
    await chat(app.dispatcher, app.worker, app.console, io.StringIO(f"{text}\n"), user)
    return str(app.console.stdout.getvalue())  # type: ignore[attr-defined]


async def count_events(app: App) -> int:
    async with app.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Event)) or 0)


async def test_the_example_events_are_in_the_coming_year() -> None:
    specs = load(EXAMPLES)
    assert len(specs) == 6
    for spec in specs:
        assert spec.starts_at > TODAY and (spec.ends_at - TODAY).days < 366, spec.id


async def test_a_new_user_on_a_fresh_install_sees_the_example_events_in_each_language(
    tmp_path: Path, rasa_url: str, texts: Catalog
) -> None:
    specs = load(EXAMPLES)
    async with running_app(
        settings_for(tmp_path, rasa_url), console=io.StringIO(), clock=FakeClock(TODAY)
    ) as app:
        for lang in LANGUAGES:
            shown = await ask(app, QUESTIONS[lang], user=f"new-{lang}")
            assert texts.get(lang, "events.list_title") in shown, lang
            for spec in specs[:5]:  # the first five, then "more"
                assert f"📅 {spec.title[lang]}" in shown, (lang, spec.id)
            first = specs[0]
            when = format_when(first.starts_at, first.ends_at, "Asia/Bangkok", lang)
            assert when in shown, (lang, when)
            assert f"📅 {specs[5].title[lang]}" not in shown
            assert texts.get(lang, "btn.more_events") in shown
        assert await count_events(app) == 6


async def test_staff_changes_are_never_imported_over(
    tmp_path: Path, rasa_url: str, texts: Catalog
) -> None:
    settings = settings_for(tmp_path, rasa_url)
    config = EventsConfig.from_settings(settings)
    async with (
        running_app(settings, console=io.StringIO(), clock=FakeClock(TODAY)) as app,
        app.db.session() as session,
    ):
        await cancel_event(session, texts, config, "yangon-tree-planting-2027", None, TODAY)
    async with running_app(settings, console=io.StringIO(), clock=FakeClock(TODAY)) as app:
        async with app.db.session() as session:
            trees = await session.get(Event, "yangon-tree-planting-2027")
            assert trees is not None and (trees.status, trees.version) == ("cancelled", 2)
        shown = await ask(app, QUESTIONS["en"], user="ana")
        assert "Rainy Season Tree Planting in Yangon" not in shown


async def test_a_bad_events_file_is_logged_and_the_bot_starts_without_events(
    tmp_path: Path, rasa_url: str, texts: Catalog, caplog: pytest.LogCaptureFixture
) -> None:
    bad = tmp_path / "events.yml"
    text = EXAMPLES.read_text(encoding="utf-8").replace("zone: Asia/Vientiane", "zone: Mars")
    bad.write_text(text, encoding="utf-8")
    line = text.splitlines().index("  timezone: Mars") + 1
    settings = settings_for(tmp_path, rasa_url, events_file=str(bad))
    with caplog.at_level(logging.ERROR, logger="bot.app"):
        async with running_app(settings, console=io.StringIO(), clock=FakeClock(TODAY)) as app:
            shown = await ask(app, QUESTIONS["en"], user="ana")
            assert await count_events(app) == 0
    assert texts.get("en", "events.none") in shown
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert f"{bad} was not imported (1 problems)" in logged
    assert f"{bad}:{line}: unknown time zone 'Mars'" in logged


@pytest.mark.parametrize("events_file", ["", "no/such/events.yml"])
async def test_no_events_file_no_events(
    tmp_path: Path, rasa_url: str, events_file: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_for(tmp_path, rasa_url, events_file=events_file)
    with caplog.at_level(logging.ERROR, logger="bot.app"):
        async with running_app(settings, console=io.StringIO(), clock=FakeClock(TODAY)) as app:
            assert await count_events(app) == 0
    missing = [r for r in caplog.records if "no/such/events.yml" in r.getMessage()]
    assert len(missing) == (1 if events_file else 0)
