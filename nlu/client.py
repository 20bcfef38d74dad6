"""The bot's HTTP client for Rasa's `/model/parse`."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import httpx

logger = logging.getLogger(__name__)

# Chat questions are short; what is longer is cut before it is sent.
MAX_PARSE_CHARS = 1000


class NluUnavailable(RuntimeError):
    """Rasa is down, slow or answered with an error: the message cannot be understood now."""


@dataclass(frozen=True)
class Entity:
    """An entity found in the text, with its normalised value (synonyms mapped)."""

    entity: str
    value: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Parse:
    """What Rasa understood of a text."""

    intent: str
    confidence: float
    entities: tuple[Entity, ...] = ()
    ranking: tuple[tuple[str, float], ...] = field(default=(), repr=False)

    def entity_values(self, name: str) -> list[str]:
        return [e.value for e in self.entities if e.entity == name]


def parse_response(payload: dict[str, Any], text: str) -> Parse:
    """A Parse from Rasa's JSON answer (missing intent → nlu_fallback)."""
    intent = payload.get("intent") or {}
    entities = tuple(
        Entity(
            e["entity"],
            str(e.get("value", "")),
            int(e["start"]),
            int(e["end"]),
            text[int(e["start"]) : int(e["end"])],
        )
        for e in payload.get("entities") or []
    )
    ranking = tuple(
        (r["name"], float(r["confidence"])) for r in payload.get("intent_ranking") or []
    )
    return Parse(
        intent.get("name") or "nlu_fallback",
        float(intent.get("confidence") or 0.0),
        entities,
        ranking,
    )


class NluClient:
    """Async client of one Rasa server; NluUnavailable when it cannot answer in time.

    A refused connection is tried once more (a restarting server); a slow or hanging one is
    not, so a user waits at most about connect + read timeout (1 + 2.5 s) for the apology.
    """

    def __init__(
        self,
        base_url: str,
        *,
        http: httpx.AsyncClient | None = None,
        connect_timeout: float = 1.0,
        read_timeout: float = 2.5,
        max_chars: int = MAX_PARSE_CHARS,
        token: str | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.max_chars = max_chars
        self._token = token
        self._own_http = http is None
        self._http = http or httpx.AsyncClient(
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
        )

    async def parse(self, text: str) -> Parse:
        """Intent and entities of text (cut to max_chars)."""
        text = text[: self.max_chars]
        params = {"token": self._token} if self._token else None
        last_error: Exception | None = None
        for attempt in (1, 2):
            try:
                response = await self._http.post(
                    f"{self.base_url}/model/parse", json={"text": text}, params=params
                )
                response.raise_for_status()
                return parse_response(response.json(), text)
            except httpx.ConnectError as error:  # refused: worth one more try
                last_error = error
                logger.warning("Rasa parse failed (attempt %d): %s", attempt, type(error).__name__)
            except (httpx.HTTPError, ValueError, KeyError) as error:
                last_error = error
                logger.warning("Rasa parse failed: %s", type(error).__name__)
                break
        raise NluUnavailable(f"Rasa at {self.base_url} is unavailable") from last_error

    async def healthy(self, timeout: float = 1.0) -> bool:
        """True when the server answers /status within timeout seconds."""
        try:
            response = await self._http.get(
                f"{self.base_url}/status",
                params={"token": self._token} if self._token else None,
                timeout=timeout,
            )
            return response.status_code == 200
        except httpx.HTTPError:
            return False

    async def aclose(self) -> None:
        if self._own_http:
            await self._http.aclose()
