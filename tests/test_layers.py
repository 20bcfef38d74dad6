"""The layer check of `make lint` (import-linter, pyproject.toml) fails on a wrong-way import."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).parent / "lint-imports"


def _copy(tmp: Path) -> Path:
    for package in ("bot", "actions", "scheduler", "nlu"):
        shutil.copytree(ROOT / package, tmp / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp / "pyproject.toml")
    return tmp


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT), "--no-cache"], cwd=tree, capture_output=True, text=True, check=False
    )


def test_the_layers_hold_and_a_wrong_way_import_breaks_them(tmp_path: Path) -> None:
    tree = _copy(tmp_path)
    clean = _lint(tree)
    assert clean.returncode == 0, clean.stdout
    with (tree / "bot" / "storage" / "repo.py").open("a", encoding="utf-8") as module:
        module.write("\nfrom actions import menu  # storage importing actions: wrong way\n")
    broken = _lint(tree)
    assert broken.returncode != 0
    assert "bot.storage.repo -> actions.menu" in broken.stdout


def test_a_module_of_bot_outside_every_layer_is_refused(tmp_path: Path) -> None:
    tree = _copy(tmp_path)
    (tree / "bot" / "helpers.py").write_text("VALUE = 1\n", encoding="utf-8")
    result = _lint(tree)
    assert result.returncode != 0 and "bot.helpers" in result.stdout
