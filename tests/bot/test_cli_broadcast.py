"""`python -m bot broadcast …`: preview, confirmation, refusals, status, list and cancel."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from bot import cli_broadcast
from bot.core.settings import Settings, load_settings
from bot.storage import repo
from bot.storage.database import Database
from bot.storage.models import utcnow

MESSAGE = """\
text:
  th: "ฟอรั่มเยาวชนเปิดรับสมัครแล้ว"
  lo: "ເວທີຊາວໜຸ່ມເປີດຮັບສະໝັກແລ້ວ"
  my: "လူငယ်ဖိုရမ် စာရင်းသွင်းနိုင်ပါပြီ"
fallback: none
buttons:
  - label: {th: "สมัคร", lo: "ສະໝັກ", my: "စာရင်းသွင်းရန်"}
    url: https://example.org/register
"""


@pytest.fixture
async def settings(tmp_path: Path) -> Settings:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    db = Database(url)
    await db.migrate()
    async with db.session() as session:
        for external, channel, lang in [
            ("1", "telegram", "th"),
            ("2", "telegram", "lo"),
            ("U3", "line", "my"),
            ("U4", "line", "en"),
        ]:
            user, _ = await repo.get_or_create_user(session, channel, external, external)
            user.language = lang
    await db.dispose()
    return load_settings(database_url=url)


@pytest.fixture
def message(tmp_path: Path) -> str:
    path = tmp_path / "message.yml"
    path.write_text(MESSAGE, encoding="utf-8")
    return str(path)


def no(question: str) -> bool:
    return False


async def test_send_previews_then_queues_and_status_counts_every_recipient(
    settings: Settings, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        await cli_broadcast.send(settings, message, "lang=th,lo,my", None, yes=False, ask=no) == 1
    )
    out = capsys.readouterr()
    assert "--- ไทย (th) ---" in out.out and "[สมัคร] → https://example.org/register" in out.out
    assert "Recipients: 3" in out.out and "Not sent." in out.err
    assert await cli_broadcast.send(settings, message, "lang=th,lo,my", None, yes=True) == 0
    assert "Broadcast #1 queued for 3 recipients." in capsys.readouterr().out
    assert await cli_broadcast.status(settings, 1, as_json=True) == 0
    assert json.loads(capsys.readouterr().out) == {
        "id": 1,
        "status": "sending",
        "recipients": 3,
        "sent": 0,
        "blocked": 0,
        "failed": 0,
        "unknown": 0,
        "pending": 3,
    }
    assert await cli_broadcast.listing(settings) == 0
    assert "lang=th,lo,my" in capsys.readouterr().out
    assert await cli_broadcast.cancel(settings, 1) == 0
    assert "3 deliveries will not be sent" in capsys.readouterr().out
    assert await cli_broadcast.status(settings, 1, as_json=True) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "cancelled"


async def test_the_same_file_twice_within_a_minute_asks_first(
    settings: Settings, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    asked: list[str] = []

    def answer(question: str) -> bool:
        asked.append(question)
        return False

    assert await cli_broadcast.send(settings, message, "all", None, yes=True) == 0
    assert await cli_broadcast.send(settings, message, "all", None, yes=True, ask=answer) == 1
    assert "queued" in asked[0] and "#1" in asked[0]
    assert "Not sent: the same message went out" in capsys.readouterr().err
    later = utcnow() + timedelta(minutes=2)  # a minute later it is a new broadcast
    assert await cli_broadcast.send(settings, message, "all", None, yes=True, now=later) == 0
    assert "Broadcast #2 queued" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("audience", "at", "said"),
    [
        ("lang=th,xx", None, "audience: lang=xx"),
        ("country=VN", None, "nobody is in this audience"),
        ("all", "2020-01-01T09:00", "in the past"),
    ],
)
async def test_refusals_queue_nothing(
    settings: Settings,
    message: str,
    capsys: pytest.CaptureFixture[str],
    audience: str,
    at: str | None,
    said: str,
) -> None:
    assert await cli_broadcast.send(settings, message, audience, at, yes=True) != 0
    assert said in capsys.readouterr().err
    assert await cli_broadcast.listing(settings) == 0
    assert capsys.readouterr().out == ""


async def test_a_message_over_the_limit_is_refused_naming_it(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "long.yml"
    path.write_text(json.dumps({"text": {"th": "ก" * 5001}}), encoding="utf-8")
    assert await cli_broadcast.send(settings, str(path), "all", None, yes=True) == 1
    err = capsys.readouterr().err
    assert "Telegram's limit of 4,096" in err and "LINE's limit of 5,000" in err


async def test_a_bad_message_file_is_refused_with_the_line_of_every_problem(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.yml"
    path.write_text("text:\n  th: ข่าว\n  xx: news\nfallback: lo\n", encoding="utf-8")
    assert await cli_broadcast.send(settings, str(path), "all", None, yes=True) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"{path}:3: text.xx: not one of zh, en, th, vi, km, lo, my",
        f"{path}:4: fallback: 'lo' is not one of the message's languages",
    ]
    assert await cli_broadcast.listing(settings) == 0
    assert capsys.readouterr().out == ""
