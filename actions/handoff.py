"""Talking to a person: typed requests are recognised, questions go to staff, answers come back."""

from __future__ import annotations

import re

from actions.base import Action, Context
from bot.messages import Reply
from bot.storage import repo

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


def wants_person(text: str) -> bool:
    """True when the user asks to talk to a person rather than the bot (not for their contacts)."""
    return bool(_WANTS_PERSON.search(text)) and not _WANTS_DETAILS.search(text)


def contact_line(ctx: Context) -> str:
    """The Center's contacts, short, for answers that send the user to the Center."""
    return ctx.t("contact.short")


async def talk_to_person(ctx: Context) -> list[Reply]:
    """Forward the user's question to staff, or give the Center's contacts."""
    question = ctx.incoming.text or ctx.incoming.reply_to_text or ""
    forwarded = None
    if ctx.staff_desk is not None:
        forwarded = await ctx.staff_desk.forward(ctx.user, question, ctx.lang)
    if forwarded is None:
        return [Reply(ctx.t("human.unavailable", contact=contact_line(ctx)))]
    await repo.add_handoff(ctx.session, ctx.user, *forwarded)
    return [Reply(ctx.t("human.forwarded"))]


BUTTONS: dict[str, Action] = {"human": talk_to_person}
