"""Replies as the outbox stores them: what to edit and which stored image travel with them."""

from __future__ import annotations

from bot.core.messages import Button, Reply


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
