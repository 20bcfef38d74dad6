"""Cards on LINE: a Flex bubble per card, consecutive cards in carousels of up to 12.

A card's first line is its title (bold), the other lines follow (a line with a link opens it
when tapped); its buttons are the bubble's footer: postbacks carrying their payload, or links.
The alternative text, shown in notifications and the chat list, is the cards' titles.
Limits (Messaging API reference, Flex Message and action objects): 12 bubbles a carousel,
a Flex button's label 40 characters, postback data 300, displayText 300, a URI 1,000; the
altText is kept to 400 characters (the limit it long had; it is 1,500 today).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from linebot.v3.messaging import (
    Action,
    FlexBox,
    FlexBubble,
    FlexButton,
    FlexCarousel,
    FlexComponent,
    FlexImage,
    FlexMessage,
    FlexText,
    PostbackAction,
    URIAction,
)

from bot.core.messages import Button, Reply

logger = logging.getLogger(__name__)

MAX_BUBBLES = 12  # bubbles in one carousel
MAX_ALT_TEXT = 400
MAX_LABEL = 40  # a Flex button's label
MAX_DATA = 300  # a postback's data (and its displayText)
MAX_URI = 1000
LINK_COLOR = "#1A73E8"
_LINK = re.compile(r"https?://\S+")


def clip(text: str, limit: int) -> str:
    """text cut to at most limit UTF-16 code units (how LINE counts), ending in "…" if cut."""
    if len(text.encode("utf-16-le")) // 2 <= limit:
        return text
    units = 0
    for i, char in enumerate(text):
        units += len(char.encode("utf-16-le")) // 2
        if units > limit - 1:
            return text[:i].rstrip() + "…"
    return text


def title_of(reply: Reply) -> str:
    """A card's title: its first line that is not empty."""
    return next((line.strip() for line in reply.text.splitlines() if line.strip()), "…")


def _action(button: Button) -> Action | None:
    label = clip(button.label, MAX_LABEL) or "…"
    if button.url:
        if len(button.url) > MAX_URI:
            logger.warning("a link button's URL is over %d characters: left out", MAX_URI)
            return None
        return URIAction(label=label, uri=button.url)
    if not 0 < len(button.data) <= MAX_DATA:
        logger.warning("a button's payload is empty or over %d characters: left out", MAX_DATA)
        return None
    return PostbackAction(label=label, data=button.data, display_text=clip(button.label, MAX_DATA))


def _line(text: str, *, spaced: bool) -> FlexText:
    """One line of a card; a line with a link opens it when tapped."""
    link = _LINK.search(text)
    action = None
    if link is not None and len(link.group()) <= MAX_URI:
        action = URIAction(uri=link.group())
    return FlexText(
        text=text,
        size="sm",
        wrap=True,
        margin="lg" if spaced else "sm",
        color=LINK_COLOR if action is not None else None,
        action=action,
    )


def bubble(reply: Reply) -> FlexBubble:
    """One card: its title in bold, its lines, its buttons in the footer."""
    lines = reply.text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    body: list[FlexComponent] = [
        FlexText(text=title_of(reply), weight="bold", size="md", wrap=True)
    ]
    spaced = False
    for line in lines[first + 1 :]:
        if not line.strip():
            spaced = True  # an empty line: more space before the next one
            continue
        body.append(_line(line.strip(), spaced=spaced))
        spaced = False
    if reply.document_url:
        body.append(_line(f"📎 {reply.document_url}", spaced=True))
    actions = [action for action in map(_action, reply.buttons) if action is not None]
    footer = None
    if actions:
        footer = FlexBox(
            layout="vertical",
            spacing="sm",
            contents=[FlexButton(action=a, style="link", height="sm") for a in actions],
        )
    hero = None
    if reply.image_url:
        hero = FlexImage(url=reply.image_url, size="full", aspect_mode="cover")
    return FlexBubble(hero=hero, body=FlexBox(layout="vertical", contents=body), footer=footer)


def alt_text(cards: Sequence[Reply]) -> str:
    """The titles, for notifications and the chat list."""
    return clip(" · ".join(title_of(card) for card in cards), MAX_ALT_TEXT)


def flex_messages(cards: Sequence[Reply]) -> list[FlexMessage]:
    """Cards in a row: one bubble, or carousels of up to MAX_BUBBLES."""
    messages = []
    for start in range(0, len(cards), MAX_BUBBLES):
        chunk = cards[start : start + MAX_BUBBLES]
        contents: FlexBubble | FlexCarousel = (
            bubble(chunk[0])
            if len(chunk) == 1
            else FlexCarousel(contents=[bubble(card) for card in chunk])
        )
        messages.append(FlexMessage(alt_text=alt_text(chunk), contents=contents))
    return messages
