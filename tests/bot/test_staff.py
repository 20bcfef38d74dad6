import yaml

from bot.core.settings import load_settings
from bot.staff import to_rasa_yaml, unanswered_cli
from bot.storage import repo
from bot.storage.database import Database


def test_export_is_rasa_nlu_data_grouped_by_language() -> None:
    rows = [
        ("th", "ราคาทุเรียนเท่าไหร่", 3),
        ("en", "where to buy durian", 2),
        ("th", "หวยออกอะไร", 1),
        (None, "???", 1),
    ]
    data = yaml.safe_load(to_rasa_yaml(rows))
    assert data["version"] == "3.1"
    blocks = {b["intent"]: b["examples"].splitlines() for b in data["nlu"]}
    assert blocks == {
        "to_label_en": ["- where to buy durian"],
        "to_label_th": ["- ราคาทุเรียนเท่าไหร่", "- หวยออกอะไร"],
        "to_label_unknown": ["- ???"],
    }


async def test_the_command_line_lists_and_exports(sqlite_db: Database, tmp_path, capsys) -> None:
    async with sqlite_db.session() as session:
        user, _ = await repo.get_or_create_user(session, "line", "U1", "U1")
        await repo.log_message(
            session,
            user,
            "ราคาทุเรียน",
            language="th",
            intent="out_of_scope",
            confidence=0.9,
            answered=False,
        )
    export = tmp_path / "to_label.yml"
    settings = load_settings(database_url=sqlite_db.url)
    assert await unanswered_cli(settings, 10, str(export)) == 0
    assert "ราคาทุเรียน" in capsys.readouterr().out
    assert yaml.safe_load(export.read_text())["nlu"][0]["intent"] == "to_label_th"
