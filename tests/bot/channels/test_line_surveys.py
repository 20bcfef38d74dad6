"""A Khmer participant answers the event survey on LINE: the real line-bot-sdk, quick replies."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select

from actions import surveys
from actions.survey_defs import catalogue
from bot.storage import repo
from bot.storage.models import SurveyAnswer, SurveyResponse
from tests.bot.channels.conftest import RunningBot
from tests.standins.line import (
    LineStandIn,
    postback_event,
    sign,
    text_event,
    user_id_for,
    webhook_body,
)

Json = dict[str, object]


async def _post(bot: RunningBot, line_api: LineStandIn, event: Json) -> None:
    body = webhook_body([event])
    headers = {
        "Content-Type": "application/json",
        "X-Line-Signature": sign(body, line_api.channel_secret),
    }
    assert (await bot.http.post("/line/webhook", content=body, headers=headers)).status_code == 200


async def _next(line_api: LineStandIn, user: str, seen: int, want: str) -> tuple[int, Json]:
    """The first message after `seen` holding `want`, and how many there are now."""
    for _ in range(300):
        messages = line_api.messages_to(user)
        for message in messages[seen:]:
            if want in str(message.get("text", "")):
                return len(messages), message
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {want!r} in {line_api.messages_to(user)[seen:]}")


def _choice(message: Json, answer: str) -> str:
    items = message["quickReply"]["items"]  # type: ignore[index]
    for item in items:
        data = str(item["action"]["data"])
        if data.startswith("f:") and data.rsplit(".", 1)[-1] == answer:
            return data
    raise AssertionError(f"no {answer!r} quick reply")


async def test_a_khmer_participant_answers_with_quick_replies_and_khmer_text(
    webhook_bot: RunningBot, line_api: LineStandIn
) -> None:
    user = user_id_for("khmer-survey")
    line_api.profiles[user] = {"displayName": "Sokha", "language": "km"}
    async with webhook_bot.app.db.session() as session:
        person, _ = await repo.get_or_create_user(session, "line", user, user)
        person.language, person.language_chosen, person.country = "km", True, "KH"
        assert await surveys.invite(session, "event-feedback", "e1", [person], datetime.now(UTC))
    survey = catalogue()["event-feedback"]

    async def press(data: str) -> None:
        token = line_api.issue_reply_token(user)
        await _post(webhook_bot, line_api, postback_event(user, data, reply_token=token))

    seen = len(line_api.messages_to(user))
    await press("intent:give_feedback")
    seen, question = await _next(line_api, user, seen, "(1/4)")
    assert len(question["quickReply"]["items"]) == 5  # type: ignore[index]
    await press(_choice(question, "4"))
    seen, question = await _next(line_api, user, seen, "(2/4)")
    assert len(question["quickReply"]["items"]) == 11  # type: ignore[index]
    await press(_choice(question, "9"))
    seen, question = await _next(line_api, user, seen, "(3/4)")
    await press(_choice(question, "materials"))
    seen, question = await _next(line_api, user, seen, "(3/4)")
    await press(_choice(question, "done"))
    seen, question = await _next(line_api, user, seen, "(4/4)")
    khmer = "ឯកសារជាភាសាខ្មែរមានប្រយោជន៍ណាស់"
    token = line_api.issue_reply_token(user)
    await _post(webhook_bot, line_api, text_event(user, khmer, reply_token=token))
    await _next(line_api, user, seen, survey.thanks["km"])
    async with webhook_bot.app.db.session() as session:
        rows = await session.execute(
            select(SurveyAnswer.question_id, SurveyAnswer.value).join(
                SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id
            )
        )
        assert dict(rows.all()) == {
            "overall": 4,
            "recommend": 9,
            "useful": ["materials"],
            "improve": khmer,
        }
