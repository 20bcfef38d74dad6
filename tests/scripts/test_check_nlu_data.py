"""scripts/check_nlu_data.py: problems in the training data, near copies of held-out lines."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check_nlu_data.py"
LANGUAGES = ("zh", "en", "th", "vi", "km", "lo", "my")


def _write(data: Path, examples: dict[str, list[str]], heldout: dict[str, list[str]]) -> None:
    """A data folder: the same training file in every language, the held-out lines in en."""
    body = "".join(
        f"- intent: {intent}\n  examples: |\n" + "".join(f"    - {e}\n" for e in lines)
        for intent, lines in examples.items()
    )
    (data / "nlu").mkdir(parents=True)
    for lang in LANGUAGES:
        (data / "nlu" / f"{lang}.yml").write_text(f'version: "3.1"\nnlu:\n{body}', "utf-8")
    (data / "heldout").mkdir()
    rows = "".join(f"en\t{intent}\t{text}\n" for intent, lines in heldout.items() for text in lines)
    (data / "heldout" / "en.tsv").write_text("lang\tintent\ttext\n" + rows, "utf-8")


def _run(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(data / "nlu"), *args],
        capture_output=True,
        text=True,
        check=False,
    )


EXAMPLES = {
    "contact": ["what is your email address?", "how can I reach the centre"],
    "greet": ["hello there", "morning all"],
}
HELDOUT = {
    # a near copy (case and punctuation), an exact one of another intent, an unrelated line
    "contact": ["What is your email address", "morning all", "phone number please"],
}


def test_near_copies_of_held_out_lines_of_the_same_intent_fail_the_check(tmp_path: Path) -> None:
    _write(tmp_path, EXAMPLES, HELDOUT)
    result = _run(tmp_path)
    assert result.returncode == 1
    problems = [line for line in result.stdout.splitlines() if "near copy" in line]
    # only the email line, and only in English: held-out lines are compared within a language
    assert [line.split()[0] for line in problems] == ["en"]
    assert problems[0].endswith(": what is your email address?")


def test_drop_removes_the_near_copies_and_keeps_everything_else(tmp_path: Path) -> None:
    _write(tmp_path, EXAMPLES, HELDOUT)
    result = _run(tmp_path, "--drop-near-heldout")
    assert result.returncode == 0, result.stdout
    assert "en: dropped 1 near copies" in result.stdout
    text = (tmp_path / "nlu" / "en.yml").read_text("utf-8")
    assert "email address" not in text
    assert "email address" in (tmp_path / "nlu" / "th.yml").read_text("utf-8")
    assert "how can I reach the centre" in text and "morning all" in text
    assert _run(tmp_path).returncode == 0


def test_the_repository_data_has_no_problem() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT)],
        capture_output=True,
        text=True,
        check=False,
        cwd=SCRIPT.parents[1],
    )
    assert result.returncode == 0, result.stdout
