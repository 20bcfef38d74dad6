"""A scripted stand-in of Rasa's HTTP API (`POST /model/parse`, `GET /status`).

It answers from a table (text → intent), for routing, flow and outbox tests that must run in
milliseconds. Whatever depends on understanding runs against the real Rasa server.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.standins.server import StandInServer

# Unknown texts are not understood.
FALLBACK = ("nlu_fallback", 0.2)


class RasaStandIn(StandInServer):
    """Parses by looking the text up in `intents` (exact text, or a contained keyword).

    `entities` (optional): keyword → {entity: value}, found in any text containing the keyword.
    """

    def __init__(
        self,
        intents: dict[str, str] | None = None,
        entities: dict[str, dict[str, str]] | None = None,
    ) -> None:
        self.intents = dict(intents or {})
        self.entities = dict(entities or {})
        self.parsed: list[str] = []
        super().__init__(
            Starlette(
                routes=[
                    Route("/model/parse", self._parse, methods=["POST"]),
                    Route("/status", self._status, methods=["GET"]),
                ]
            )
        )

    def intent_of(self, text: str) -> tuple[str, float]:
        if text in self.intents:
            return self.intents[text], 0.99
        for keyword, intent in self.intents.items():
            if keyword.lower() in text.lower():
                return intent, 0.9
        return FALLBACK

    async def _parse(self, request: Request) -> JSONResponse:
        body = await request.json()
        text = str(body.get("text", ""))
        self.parsed.append(text)
        intent, confidence = self.intent_of(text)
        found = []
        for keyword, values in self.entities.items():
            start = text.lower().find(keyword.lower())
            if start < 0:
                continue
            for entity, value in values.items():
                found.append(
                    {"entity": entity, "value": value, "start": start, "end": start + len(keyword)}
                )
        return JSONResponse(
            {
                "text": text,
                "intent": {"name": intent, "confidence": confidence},
                "entities": found,
                "intent_ranking": [{"name": intent, "confidence": confidence}],
            }
        )

    async def _status(self, request: Request) -> JSONResponse:
        return JSONResponse({"model_file": "scripted-stand-in"})
