"""Typed button payloads: packed within Telegram's 64 bytes, anything else refused."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.payloads import (
    MAX_BYTES,
    Cancel,
    FlowResume,
    FlowStep,
    Human,
    Language,
    PayloadError,
    Topic,
    unpack,
)


@pytest.mark.parametrize(
    "payload",
    [
        Topic("initiative_overview"),
        Language("my"),
        Human(),
        Cancel(),
        FlowStep("1a2b3c4d", "yes"),
        FlowResume("1a2b3c4d", "go"),
    ],
)
def test_payloads_round_trip(payload: object) -> None:
    packed = payload.pack()  # type: ignore[attr-defined]
    assert len(packed.encode()) <= MAX_BYTES
    assert unpack(packed) == payload


def test_the_buttons_of_earlier_versions_still_mean_the_same() -> None:
    assert unpack("intent:contact") == Topic("contact")
    assert unpack("lang:th") == Language("th")
    assert unpack("human") == Human()


@pytest.mark.parametrize(
    "data",
    [
        "privacy:delete",  # an old, untyped confirmation
        "f:1a2b3c4d",  # a field missing
        "f:1a2b3c4d:yes:more",  # a field too many
        "intent:",  # an empty field
        "",
        "f:" + "x" * 70 + ":yes",  # over 64 bytes
        "nothing-we-made",
    ],
)
def test_forged_or_stale_payloads_are_refused(data: str) -> None:
    with pytest.raises(PayloadError):
        unpack(data)


def test_packing_refuses_what_would_not_fit_or_not_parse() -> None:
    with pytest.raises(PayloadError):
        FlowStep("1a2b3c4d", "v" * 60).pack()
    with pytest.raises(PayloadError):
        Topic("a:b").pack()


@given(st.text(max_size=80) | st.sampled_from(["intent:help", "lang:km", "f:ab:c", "human"]))
def test_anything_unpacked_is_exactly_what_the_bot_packs(data: str) -> None:
    try:
        payload = unpack(data)
    except PayloadError:
        return  # refused: the only other outcome allowed
    assert payload.pack() == data
