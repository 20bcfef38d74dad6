"""Staff commands in chat: the most frequent unanswered questions."""

from __future__ import annotations

from actions.base import Action, Context
from bot.core.messages import Reply
from bot.storage import repo


def format_unanswered(rows: list[tuple[str | None, str, int]], title: str, none: str) -> str:
    if not rows:
        return none
    lines = [title]
    lines += [f"{count:>3} × [{lang or '?'}] {text[:200]}" for lang, text, count in rows]
    return "\n".join(lines)


async def unanswered(ctx: Context) -> list[Reply]:
    """The 20 most frequent unanswered questions, with their language and count."""
    rows = await repo.unanswered_questions(ctx.session, limit=20)
    text = format_unanswered(rows, ctx.t("staff.unanswered.title"), ctx.t("staff.unanswered.none"))
    return [Reply(text)]


COMMANDS: dict[str, Action] = {"unanswered": unanswered}
