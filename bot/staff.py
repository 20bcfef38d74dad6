"""Staff tools: the most frequent unanswered questions, listed or exported to label."""

from __future__ import annotations

from pathlib import Path

import yaml

from actions.staff import format_unanswered
from bot.core.i18n import Catalog
from bot.core.settings import Settings
from bot.storage import repo
from bot.storage.database import Database


async def unanswered(db: Database, limit: int = 20) -> list[tuple[str | None, str, int]]:
    async with db.session() as session:
        return await repo.unanswered_questions(session, limit=limit)


class _Block(str):
    """A string written as a YAML literal block (`|`), as Rasa's examples are."""


class _RasaDumper(yaml.SafeDumper):
    pass


_RasaDumper.add_representer(
    _Block, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
)


def to_rasa_yaml(rows: list[tuple[str | None, str, int]]) -> str:
    """Rasa NLU data, one block per language, for a person to move under the right intents."""
    by_lang: dict[str, list[str]] = {}
    for lang, text, _ in rows:
        by_lang.setdefault(lang or "unknown", []).append(" ".join(text.split()))
    nlu = [
        {"intent": f"to_label_{lang}", "examples": _Block("".join(f"- {t}\n" for t in texts))}
        for lang, texts in sorted(by_lang.items())
    ]
    header = (
        "# Unanswered questions: move each example under its intent in data/nlu/<lang>.yml\n"
        "# (or out_of_scope), then `python -m nlu train`.\n"
    )
    body = yaml.dump(
        {"version": "3.1", "nlu": nlu}, Dumper=_RasaDumper, allow_unicode=True, sort_keys=False
    )
    return header + body


async def unanswered_cli(settings: Settings, limit: int, export: str | None) -> int:
    db = Database(settings.database_url)
    try:
        await db.migrate()
        rows = await unanswered(db, limit)
    finally:
        await db.dispose()
    texts = Catalog.load()
    title, none = (
        texts.get("en", "staff.unanswered.title"),
        texts.get("en", "staff.unanswered.none"),
    )
    print(format_unanswered(rows, title, none))  # noqa: T201 - command-line output
    if export:
        Path(export).write_text(to_rasa_yaml(rows), encoding="utf-8")
        print(f"written: {export}")  # noqa: T201 - command-line output
    return 0
