"""Channel-neutral messages: a card survives the outbox's JSON; which files the bot reads."""

from __future__ import annotations

import pytest

from bot.core.messages import (
    MAX_ATTACHMENT_BYTES,
    TOO_BIG,
    WRONG_TYPE,
    Attachment,
    Button,
    Reply,
)


def test_a_card_survives_the_outbox_json_and_old_rows_still_read() -> None:
    card = Reply("📅 Forum\n🕘 Monday", (Button("🔔 Remind me", "ev:r:forum"),), 3, card=True)
    assert card.to_json()["card"] is True
    assert Reply.from_json(card.to_json()) == card
    plain = Reply("hello")
    assert "card" not in plain.to_json()
    old_row = {"text": "📅 Forum", "buttons": [["🔔 Remind me", "ev:r:forum"]], "columns": 3}
    assert Reply.from_json(old_row).card is False


@pytest.mark.parametrize(
    ("attachment", "problem"),
    [
        (Attachment("events.yml", 1200), None),
        (Attachment("Events.YAML", MAX_ATTACHMENT_BYTES), None),
        (Attachment("events.yml"), None),  # no size given: read, and cut by the channel
        (Attachment("events.yml", MAX_ATTACHMENT_BYTES + 1), TOO_BIG),
        (Attachment("events.yml.pdf", 10), WRONG_TYPE),
        (Attachment("", 10), WRONG_TYPE),
    ],
)
def test_the_bot_reads_yaml_files_within_the_cap(attachment: Attachment, problem: str) -> None:
    assert attachment.problem() == problem
