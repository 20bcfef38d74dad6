"""The Rasa client against the real server, and against servers that are down or slow."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from nlu.client import MAX_PARSE_CHARS, NluClient, NluUnavailable
from nlu.server import free_port
from nlu.understand import understand
from tests.standins.server import StandInServer

BAD_INPUT = [
    "",
    " ",
    "a" * 10_000,
    "😀🙏🎉",
    "!!!???",
    "\x00\x01\x02\x1b[31m",
    "\u200b\u200b",
    "ไม่รู้ 不知道 không biết ບໍ່ຮູ້ មិនដឹង မသိဘူး",
    "ေက်းဇူးတင္ပါတယ္",
]


@pytest.mark.parametrize("text", BAD_INPUT)
async def test_odd_text_gets_a_parse_never_an_error(nlu: NluClient, text: str) -> None:
    result = await understand(nlu, text)
    assert result.parse.intent
    assert 0.0 <= result.parse.confidence <= 1.0


async def test_only_punctuation_is_not_understood(nlu: NluClient) -> None:
    # Emoji may mean something ("🙏" is thanks); punctuation alone does not.
    for text in ("!!!???", "...", ""):
        result = await understand(nlu, text)
        assert result.parse.intent in ("nlu_fallback", "out_of_scope")


async def test_entities_are_normalised_to_codes(nlu: NluClient) -> None:
    result = await understand(nlu, "ลาวมีโครงการสาธิตอะไรบ้าง")
    assert result.parse.intent == "demo_projects"
    assert result.parse.entity_values("country") == ["LA"]


async def test_long_text_is_cut_before_it_is_sent() -> None:
    seen: list[int] = []

    async def parse(request: Request) -> Response:
        seen.append(len((await request.json())["text"]))
        return JSONResponse({"intent": {"name": "greet", "confidence": 0.9}, "entities": []})

    async with StandInServer(
        Starlette(routes=[Route("/model/parse", parse, methods=["POST"])])
    ) as server:
        client = NluClient(server.url)
        result = await client.parse("x" * 50_000)
        await client.aclose()
    assert seen == [MAX_PARSE_CHARS] and result.intent == "greet"


async def test_rasa_down_is_a_distinct_error_after_one_retry() -> None:
    client = NluClient(f"http://127.0.0.1:{free_port()}", connect_timeout=0.3)
    with pytest.raises(NluUnavailable):
        await client.parse("hello")
    await client.aclose()


async def test_an_error_or_a_hanging_rasa_is_not_retried_and_ends_within_3_s() -> None:
    calls: list[str] = []

    async def parse(request: Request) -> Response:
        calls.append("call")
        if len(calls) == 1:
            return Response("oops", status_code=500)
        await asyncio.sleep(60)  # accepts the connection, never answers
        return JSONResponse({})

    async def status(request: Request) -> Response:
        await asyncio.sleep(60)
        return JSONResponse({})

    app = Starlette(
        routes=[
            Route("/model/parse", parse, methods=["POST"]),
            Route("/status", status, methods=["GET"]),
        ]
    )
    async with StandInServer(app) as server:
        client = NluClient(server.url)  # the defaults: connect 1 s, read 2.5 s
        with pytest.raises(NluUnavailable):
            await client.parse("hello")
        assert len(calls) == 1
        started = time.monotonic()
        with pytest.raises(NluUnavailable):
            await client.parse("hello again")
        hanging = time.monotonic() - started
        started = time.monotonic()
        healthy = await client.healthy()
        health = time.monotonic() - started
        await client.aclose()
    assert len(calls) == 2  # no retry of either
    assert 2.0 < hanging < 3.0 and not healthy and health < 1.5


def test_a_parse_without_intent_is_a_fallback() -> None:
    from nlu.client import parse_response

    assert parse_response(json.loads('{"text": ""}'), "").intent == "nlu_fallback"
