"""Logging for the bot: no secret and no message text in the logs, at any level.

Every record is redacted when it is made (a log record factory), so the bot token, the webhook
secret, the LINE secret and access token, the Rasa token and the database password never reach a
handler, whoever logs them (URLs of the Bot API hold the token). Libraries that log the contents
of messages at DEBUG (python-telegram-bot's updates and API parameters, aiosqlite's and
SQLAlchemy's statement parameters, line-bot-sdk's bodies) are kept at INFO or above.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

from sqlalchemy.engine import make_url

from bot.core.settings import Settings

REDACTED = "[redacted]"
# Loggers whose DEBUG output holds message texts or URLs with the token: INFO at the lowest.
QUIET = {
    "telegram": logging.INFO,
    "aiosqlite": logging.INFO,
    "sqlalchemy": logging.WARNING,
    "linebot": logging.INFO,
    "urllib3": logging.INFO,
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "apscheduler": logging.WARNING,
    "hpack": logging.INFO,
}


def secrets_of(settings: Settings) -> list[str]:
    values = [
        settings.telegram_token,
        settings.telegram_secret_token,
        settings.line_channel_secret,
        settings.line_channel_access_token,
        settings.rasa_token,
    ]
    found = [value.get_secret_value() for value in values if value is not None]
    password = make_url(settings.database_url).password
    if password:
        found.append(str(password))
    return found


class Redactor:
    """Replaces each secret (and its URL-encoded form) in a text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        variants = {v for s in secrets if len(s) >= 4 for v in (s, quote(s, safe=""))}
        self.secrets = sorted(variants, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text


def install_redaction(secrets: Iterable[str]) -> Callable[[], None]:
    """Redact every log record from now on; returns what undoes it."""
    redact = Redactor(secrets)
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit the message: keep it as it is
            message = str(record.msg)
        record.msg, record.args = redact(message), ()
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return record

    logging.setLogRecordFactory(factory)
    return lambda: logging.setLogRecordFactory(previous)


def configure_logging(level: str, settings: Settings) -> Callable[[], None]:
    """Log to stderr at level, secrets redacted, chatty libraries quiet; returns the undo."""
    logging.basicConfig(
        level=level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    before = {name: logging.getLogger(name).level for name in QUIET}
    for name, floor in QUIET.items():
        logging.getLogger(name).setLevel(max(floor, logging.getLogger().getEffectiveLevel()))
    undo_redaction = install_redaction(secrets_of(settings))

    def undo() -> None:
        undo_redaction()
        for name, old in before.items():
            logging.getLogger(name).setLevel(old)

    return undo
