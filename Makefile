# The two commands of README.md: `make run` (the bot) and `make test` (all tests).
.PHONY: setup run chat test lint bench
export UV_PYTHON_DOWNLOADS ?= never

setup:
	@bash scripts/setup.sh

run: setup
	.venv/bin/python -m bot run

chat: setup
	.venv/bin/python -m bot chat

# PostgreSQL for the tests (scripts/postgres_for_tests.py): checked before training; the bot's
# tests run with TEST_POSTGRES_URL set to the server it found, or started (and stops again).
test: setup
	.venv/bin/python scripts/postgres_for_tests.py --check
	.venv/bin/python -m nlu train
	.venv/bin/python scripts/postgres_for_tests.py .venv/bin/python -m pytest
	.venv-rasa/bin/python -m pytest -c tests/rasa_env.ini --rootdir . tests

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	.venv/bin/lint-imports

bench: setup
	.venv/bin/python bench/nlu.py
