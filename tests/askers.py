"""The people of the knowledge issue's "done means", each asking in their own words.

A Thai student, a Khmer villager, a Burmese volunteer typing Zawgyi, a Chinese official (and a
Vietnamese youth typing without diacritics) ask what the initiative is, how to join and who funds
it. The channel tests put the same people on Telegram, LINE and the console.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Asker:
    who: str
    lang: str
    questions: tuple[tuple[str, str], ...]  # (intent of the right answer, the question)


ASKERS = (
    Asker(
        "Thai student",
        "th",
        (
            ("initiative_overview", "โครงการล้านช้าง-แม่โขงสีเขียวนี่คืออะไรเหรอคะ"),
            ("youth_participation", "หนูเป็นนักศึกษา อยากเข้าร่วมเป็นอาสาสมัครต้องทำยังไงคะ"),
            ("funding", "โครงการนี้ได้เงินทุนมาจากไหนคะ"),
        ),
    ),
    Asker(
        "Khmer villager",
        "km",
        (
            ("initiative_overview", "គម្រោងបៃតងឡានឆាង-មេគង្គនេះ ជាអ្វីដែរបង?"),
            ("youth_participation", "កូនខ្ញុំចង់ចូលរួមជាអ្នកស្ម័គ្រចិត្ត តើត្រូវធ្វើម៉េចបាទ?"),
            ("funding", "អ្នកណាជាអ្នកឱ្យលុយគម្រោងនេះ?"),
        ),
    ),
    Asker(
        "Burmese volunteer typing Zawgyi",
        "my",
        (
            # ဒီ စီမံကိန်းက ဘာအကြောင်းလဲ ပြောပြပေးပါဦး
            ("initiative_overview", "ဒီ စီမံကိန္းက ဘာအေၾကာင္းလဲ ေျပာျပေပးပါဦး"),
            # စေတနာ့ဝန်ထမ်းအနေနဲ့ ဘယ်လို ပါဝင်လို့ရမလဲ
            ("youth_participation", "ေစတနာ႔ဝန္ထမ္းအေနနဲ႔ ဘယ္လို ပါဝင္လို႔ရမလဲ"),
            # ဒီ စီမံကိန်းကို ဘယ်သူတွေ ငွေထောက်ပံ့ပေးတာလဲ
            ("funding", "ဒီ စီမံကိန္းကို ဘယ္သူေတြ ေငြေထာက္ပံ့ေပးတာလဲ"),
        ),
    ),
    Asker(
        "Chinese official",
        "zh",
        (
            ("initiative_overview", "请简要介绍一下绿色澜湄计划的基本情况。"),
            ("youth_participation", "我单位的青年同志如何参与绿色澜湄计划的活动？"),
            ("funding", "该计划的资金来源主要有哪些？"),
        ),
    ),
    Asker(
        "Vietnamese youth without diacritics",
        "vi",
        (
            ("initiative_overview", "sang kien lan thuong me kong xanh la gi vay ad"),
            ("youth_participation", "lam sao de tham gia tinh nguyen vien vay ad"),
            ("funding", "ai tai tro cho du an nay the"),
        ),
    ),
)
