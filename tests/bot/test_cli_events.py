"""`python -m bot events import | list | cancel` on a SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.core.settings import ROOT


@pytest.fixture(autouse=True)
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")


def test_import_list_and_cancel(capsys: pytest.CaptureFixture[str]) -> None:
    example = str(ROOT / "data" / "events.yml")
    assert main(["events", "import", example]) == 0
    out = capsys.readouterr().out
    assert "added     youth-climate-leadership-2027" in out
    assert "added 6, changed 0, unchanged 0" in out
    assert main(["events", "import", example]) == 0
    assert "added 0, changed 0, unchanged 6" in capsys.readouterr().out

    assert main(["events", "list", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 6 and rows[0]["id"] == "youth-climate-leadership-2027"
    assert all(row["subscribers"] == 0 and row["status"] == "scheduled" for row in rows)

    assert main(["events", "cancel", "yangon-tree-planting-2027", "--reason", "floods"]) == 0
    assert "cancelled; 0 people notified" in capsys.readouterr().out
    assert main(["events", "list"]) == 0
    listed = capsys.readouterr().out
    assert "yangon-tree-planting-2027" in listed and "cancelled v2" in listed
    assert main(["events", "cancel", "no-such-event"]) == 1


def test_a_bad_file_exits_2_with_every_problem_and_imports_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (ROOT / "data" / "events.yml").read_text(encoding="utf-8")
    text = text.replace("timezone: Asia/Vientiane", "timezone: Asia/Atlantis", 1)
    text = text.replace("ends: 2027-04-14T16:30", "ends: 2027-04-11T16:30", 1)
    bad = tmp_path / "events.yml"
    bad.write_text(text, encoding="utf-8")
    assert main(["events", "import", str(bad)]) == 2
    err = capsys.readouterr().err.splitlines()
    lines = text.split("\n")
    zone_line = next(i for i, line in enumerate(lines, 1) if "Asia/Atlantis" in line)
    end_line = next(i for i, line in enumerate(lines, 1) if "2027-04-11T16:30" in line)
    assert err == [
        f"{bad}:{zone_line}: unknown time zone 'Asia/Atlantis'",
        f"{bad}:{end_line}: ends (2027-04-11 16:30) is not after starts",
    ]
    assert main(["events", "list", "--json"]) == 0
    assert capsys.readouterr().out == ""
