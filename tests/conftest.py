"""Shared fixtures: a real Rasa server trained from data/, real SQLite and PostgreSQL databases.

The tests that import rasa (tokenizer, segmenters, the linear classifier) run in Rasa's
environment (Python 3.10, `-c tests/rasa_env.ini`); everything else in the bot's environment.
"""

from __future__ import annotations

import sys
from pathlib import Path

RASA_ENV = sys.version_info < (3, 11)
RASA_ENV_TESTS = {
    "nlu/test_tokenizer.py",
    "nlu/test_segment.py",
    "nlu/test_linear_classifier.py",
    "nlu/test_word_featurizer.py",
    "nlu/test_gazetteer.py",
}
_HERE = Path(__file__).resolve().parent
# Each environment skips the other's test files (and, in Rasa's, the folders it has none in).
collect_ignore = [
    name
    for name in (p.relative_to(_HERE).as_posix() for p in _HERE.rglob("test_*.py"))
    if (name in RASA_ENV_TESTS) != RASA_ENV
]
if RASA_ENV:
    collect_ignore += [
        p.name
        for p in _HERE.iterdir()
        if p.is_dir() and not any(name.startswith(f"{p.name}/") for name in RASA_ENV_TESTS)
    ]

if not RASA_ENV:
    from tests.fixtures import *  # noqa: F403 - fixtures of the bot's environment
