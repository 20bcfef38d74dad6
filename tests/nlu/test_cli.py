"""`python -m nlu parse` and `evaluate` print what docs/architecture.md ("Contracts") says, against the real server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(rasa_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nlu", *args],
        cwd=ROOT,
        text=True,
        capture_output=True,
        check=True,
        timeout=300,
        env={**os.environ, "RASA_URL": rasa_url},
    )


def test_parse_prints_one_json_object(rasa_url: str) -> None:
    out = run(rasa_url, "parse", "绿色澜湄计划是什么？").stdout
    result = json.loads(out)
    assert set(result) == {"text", "language", "intent", "confidence", "entities"}
    assert result["language"] == "zh"
    assert result["intent"] == "initiative_overview"


def test_parse_converts_zawgyi_first(rasa_url: str) -> None:
    result = json.loads(run(rasa_url, "parse", "မဂၤလာပါ ခင္ဗ်ာ").stdout)
    assert result["text"] == "မင်္ဂလာပါ ခင်ဗျာ"
    assert result["language"] == "my"


def test_evaluate_prints_the_report(rasa_url: str, tmp_path: Path) -> None:
    data = tmp_path / "sample.tsv"
    data.write_text(
        "lang\tintent\ttext\n"
        "en\tgreet\thello there\n"
        "th\tfunding\tใครเป็นคนให้ทุนโครงการนี้ครับ\n"
        'en\tout_of_scope\twhat\'s the "best" pizza in town?\n',
        encoding="utf-8",
    )
    png = tmp_path / "confusion.png"
    summary = json.loads(
        run(rasa_url, "evaluate", "--data", str(data), "--json", "--png", str(png)).stdout
    )
    assert summary["n"] == 3
    assert set(summary["per_language"]) == {"en", "th"}
    assert set(summary["per_language"]["en"]) == {
        "n",
        "intent_accuracy",
        "language_accuracy",
        "macro_f1",
    }
    assert set(summary["latency_ms"]) == {"p50", "p95", "p99"}
    assert 0.0 <= summary["intent_accuracy"] <= 1.0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
