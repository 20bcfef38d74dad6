"""Shared fixtures: a real Rasa server trained from data/, real SQLite and PostgreSQL databases.

The tokenizer tests import rasa and run in Rasa's environment (Python 3.10, tests/rasa_env.ini);
everything else runs in the bot's environment.
"""

from __future__ import annotations

import sys

RASA_ENV = sys.version_info < (3, 11)
RASA_ENV_TESTS = ["nlu/test_tokenizer.py", "nlu/test_segment.py"]
collect_ignore = [] if RASA_ENV else RASA_ENV_TESTS

if not RASA_ENV:
    from tests.fixtures import *  # noqa: F403 - fixtures of the bot's environment
