"""Talking to a person: a question goes to the staff chat, a staff member's reply comes back.

Both directions are deliveries of the outbox, written with the message that caused them.
"""

from __future__ import annotations

import logging
import re

from sqlalchemy.ext.asyncio import AsyncSession

from actions import flows
from actions.base import Context
from bot.core.i18n import LANGUAGES
from bot.core.messages import Reply
from bot.storage import repo
from bot.storage.models import ConversationState, Delivery, User

logger = logging.getLogger(__name__)

# "I want to talk to a person", as people write it in the seven languages.
_WANTS_PERSON = re.compile(
    "|".join(
        [
            r"\b(talk|speak|chat)\b.{0,30}\b(person|human|someone|somebody|staff|agent|admin)\b",
            r"\breal (person|human)\b",
            r"人工|真人|客服|工作人员",
            r"(คุย|ติดต่อ|ขอสาย).{0,6}(คน|เจ้าหน้าที่|แอดมิน|พนักงาน)",
            r"(nói chuyện|noi chuyen|gặp|gap|chat).{0,20}(người thật|nguoi that|nhân viên|nhan vien"
            r"|admin|tư vấn viên|tu van vien)",
            r"(និយាយ|ជជែក|ជួប).{0,8}(មនុស្ស|បុគ្គលិក|មន្ត្រី|admin)",
            r"(ລົມ|ຄຸຍ|ຕິດຕໍ່).{0,8}(ພະນັກງານ|ຄົນ|ເຈົ້າໜ້າທີ່|admin)",
            r"(ဝန်ထမ်း|လူ|admin).{0,4}(နဲ့|နှင့်|ကို).{0,6}(စကားပြော|ပြောချင်|ဆက်သွယ်)",
        ]
    ),
    re.IGNORECASE,
)


# Asking for a way to reach someone (a channel, a number, an address) is a question for the
# contact entry, not a request to be put through now.
_WANTS_DETAILS = re.compile(
    "|".join(
        [
            r"\b(phone|number|e-?mail|address|channel|details)\b",
            r"电话|邮箱|地址|联系方式|渠道",
            r"ช่องทาง|เบอร์|อีเมล|ที่อยู่",
            r"số điện thoại|so dien thoai|\bsdt\b|địa chỉ|dia chi|kênh|\bkenh\b",
            r"លេខទូរស័ព្ទ|អ៊ីមែល|អាសយដ្ឋាន",
            r"ເບີໂທ|ອີເມວ|ທີ່ຢູ່",
            r"ဖုန်းနံပါတ်|အီးမေးလ်|လိပ်စာ",
        ]
    ),
    re.IGNORECASE,
)
MAX_FORWARDED = 3500


def wants_person(text: str) -> bool:
    """True when the user asks to talk to a person rather than the bot (not for their contacts)."""
    return bool(_WANTS_PERSON.search(text)) and not _WANTS_DETAILS.search(text)


def contact_line(ctx: Context) -> str:
    """The Center's contacts, short, for answers that send the user to the Center."""
    return ctx.t("contact.short")


async def forward(ctx: Context, question: str) -> list[Reply]:
    """Queue the question for the staff chat; the user is told it went, or how to reach us."""
    if not ctx.staff.reachable:
        return [Reply(ctx.t("human.unavailable", contact=contact_line(ctx)))]
    assert ctx.staff.channel is not None and ctx.staff.chat_id is not None
    header = f"🙋 {ctx.user.channel}:{ctx.user.external_id} ({ctx.lang})"
    await ctx.deliver(
        "handoff",
        ctx.staff.channel,
        ctx.staff.chat_id,
        [Reply(f"{header}\n{question[:MAX_FORWARDED]}")],
        ref=str(ctx.user.id),
    )
    return [Reply(ctx.t("human.forwarded"))]


class AskStaff(flows.Flow):
    """Pressed "talk to a person": the next message is the question for staff."""

    name = "ask_staff"
    states = frozenset({"question"})

    async def prompt(self, ctx: Context, flow: ConversationState) -> list[Reply]:
        return [Reply(ctx.t("human.ask"), (flows.choice(ctx, "btn.cancel", "cancel"),))]

    async def on_text(self, ctx: Context, flow: ConversationState) -> list[Reply] | None:
        question = ctx.incoming.text.strip()
        if not question:
            return None
        await flows.end(ctx)
        return await forward(ctx, question)

    async def on_choice(self, ctx: Context, flow: ConversationState, value: str) -> list[Reply]:
        await flows.end(ctx)
        return [Reply(ctx.t("cancelled"))]


ASK_STAFF = AskStaff()


async def talk_to_person(ctx: Context) -> list[Reply]:
    """A typed request is forwarded as it is; a button press asks for the question first."""
    text = ctx.incoming.text.strip()
    if text:
        return await forward(ctx, text)
    if not ctx.staff.reachable:
        return [Reply(ctx.t("human.unavailable", contact=contact_line(ctx)))]
    flow = await flows.start(ctx, ASK_STAFF, "question")
    return await ASK_STAFF.prompt(ctx, flow)


async def answer_from_staff(ctx: Context) -> list[Reply]:
    """A message in the staff chat: a staff member's reply to a forwarded question.

    Only members of the staff (STAFF_IDS) answer as the LMEC team; anyone else in the chat is
    ignored, and logged by id only.
    """
    if not ctx.staff.is_member(ctx.incoming):
        logger.warning(
            "ignored a message in the staff chat from %s:%s, who is not staff",
            ctx.incoming.channel,
            ctx.incoming.user_id,
        )
        return []
    reply_to, text = ctx.incoming.reply_to, ctx.incoming.text.strip()
    if reply_to is None or not text or ctx.incoming.command():
        return []
    user = await repo.handoff_user(ctx.session, ctx.incoming.chat_id, reply_to)
    if user is None:
        return []
    lang = user.language if user.language in LANGUAGES else "en"
    answer = ctx.texts.get(lang, "human.reply", text=text)
    await ctx.deliver("staff_answer", user.channel, user.chat_id, [Reply(answer)], user_id=user.id)
    return []


async def record_forward(session: AsyncSession, delivery: Delivery, message_ids: list[str]) -> None:
    """A forwarded question reached the staff chat: a reply to it will reach the user."""
    if delivery.ref is None or not message_ids:
        return
    user = await session.get(User, int(delivery.ref))
    if user is not None:
        for message_id in message_ids:
            await repo.add_handoff(session, user, delivery.chat_id, message_id)


FLOWS: tuple[flows.Flow, ...] = (ASK_STAFF,)
# What to record once a delivery of a kind is sent (by the outbox worker).
ON_SENT = {"handoff": record_forward}
