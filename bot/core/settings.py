"""Settings from the environment or a `.env` file (see .env.example); built by load_settings()."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Everything configurable; secrets are SecretStr and never logged."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = f"sqlite+aiosqlite:///{ROOT / 'var' / 'bot.db'}"
    rasa_url: str | None = None
    rasa_token: SecretStr | None = None
    # A user waits at most about connect + read for the apology when Rasa hangs.
    rasa_connect_timeout: float = 1.0
    rasa_read_timeout: float = 2.5

    telegram_token: SecretStr | None = None
    telegram_base_url: str | None = None  # Bot API server, default api.telegram.org
    telegram_webhook_url: str | None = None  # public https URL of /telegram/webhook
    telegram_secret_token: SecretStr | None = None
    telegram_staff_chat_id: int | None = None  # where "talk to a person" is forwarded
    telegram_max_rate: float = 30.0  # replies/s across chats (Telegram's limit)
    telegram_bulk_rate: float = 25.0  # reminders, broadcasts: sends/s, under Telegram's ~30/s

    line_channel_secret: SecretStr | None = None
    line_channel_access_token: SecretStr | None = None
    line_api_host: str | None = None  # Messaging API host, default api.line.me
    line_bulk_rate: float = 100.0  # push/multicast requests/s of the bulk lane

    # The outbox: a send not finished within the lease is taken for interrupted (a crash).
    delivery_lease_seconds: float = 30.0
    delivery_tick_seconds: float = 1.0
    shutdown_grace_seconds: float = 10.0
    # Staff who sent a broadcast from Telegram see its progress message edited this often.
    broadcast_progress_seconds: float = 5.0

    # Events: where the bot's web app is reachable from outside (links to .ics files), the
    # secret the .ics links are signed with, and when reminders go out.
    public_url: str | None = None  # https://bot.example.org
    calendar_secret: SecretStr | None = None
    reminder_offsets_minutes: list[int] = Field(default_factory=lambda: [1440, 60])
    quiet_hours_start: int = 22  # local hour: no reminder from then …
    quiet_hours_end: int = 7  # … until then
    events_sweep_seconds: float = 10.0  # how often started and ended events are swept
    # Imported when the bot starts while no event was ever stored (a fresh install shows the
    # example events); relative to the project directory; "" to disable.
    events_file: str = "data/events.yml"

    staff_ids: list[str] = Field(default_factory=list)  # "telegram:123", "line:U..."
    # Anonymous surveys keep one response per person by a hash salted with this: set your own.
    survey_salt: SecretStr = SecretStr("glm-surveys-change-me")

    host: str = "0.0.0.0"
    port: int = 8080
    max_body_bytes: int = 1_000_000
    default_language: str = "en"
    default_timezone: str = "Asia/Bangkok"
    log_level: str = "INFO"

    @property
    def events_path(self) -> Path | None:
        """The events file to import on a fresh install, or None."""
        if not self.events_file.strip():
            return None
        path = Path(self.events_file.strip())
        return path if path.is_absolute() else ROOT / path

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_token is not None

    @property
    def line_enabled(self) -> bool:
        return self.line_channel_secret is not None and self.line_channel_access_token is not None


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment and .env, with explicit overrides (tests)."""
    return Settings(**overrides)  # type: ignore[arg-type]
