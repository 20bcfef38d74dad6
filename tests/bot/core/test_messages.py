"""Channel-neutral messages as the outbox stores them (cards, edits, stored images); which files
the bot reads."""

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


def test_a_reply_keeps_the_message_it_edits_and_its_image_through_json() -> None:
    reply = Reply("✓ 4", (Button("Next", "n"),), columns=1, edit="812", image_file=44)
    stored = reply.to_json()
    assert stored == {
        "text": "✓ 4",
        "buttons": [["Next", "n"]],
        "columns": 1,
        "edit": "812",
        "image_file": 44,
    }
    assert Reply.from_json(stored) == reply


def test_the_image_bytes_never_go_into_the_outbox() -> None:
    reply = Reply("", image_file=3, image_data=b"\x89PNG")
    assert reply.to_json() == {"text": "", "image_file": 3}
    assert Reply.from_json(reply.to_json()).image_data is None
    assert "image_data" not in repr(reply)


def test_rows_written_before_edits_and_images_still_read() -> None:
    old = {"text": "Hello", "buttons": [["Help", "intent:help"]], "columns": 2}
    assert Reply.from_json(old) == Reply("Hello", (Button("Help", "intent:help"),))
    assert Reply.from_json(old).edit is None and Reply.from_json(old).image_file is None
    assert Reply.from_json({"text": "x", "edit": ""}).edit is None
