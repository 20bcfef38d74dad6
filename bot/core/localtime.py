"""Times as each person reads them: their time zone, their language's way of writing dates.

Pure functions (no storage): the zone of a country, an event's date and time in a person's
zone and locale (Babel; Thai with the Buddhist-era year, Burmese and Khmer in their own digits), quiet
hours, and the date range of a `time_range` entity value.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date as babel_date
from babel.dates import format_time

# Time zones by country unless the person chose one (DESIGN.md, "Events").
COUNTRY_ZONES = {
    "CN": "Asia/Shanghai",
    "MM": "Asia/Yangon",
    "TH": "Asia/Bangkok",
    "KH": "Asia/Bangkok",
    "LA": "Asia/Bangkok",
    "VN": "Asia/Bangkok",
}
COUNTRIES = ("CN", "KH", "LA", "MM", "TH", "VN")
DEFAULT_ZONE = "Asia/Bangkok"
TIME_RANGES = (
    "today",
    "tomorrow",
    "this_week",
    "this_weekend",
    "next_week",
    "this_month",
    "next_month",
)
_MYANMAR_DIGITS = str.maketrans("0123456789", "၀၁၂၃၄၅၆၇၈၉")
_KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")
# Babel's locale for each language of the bot.
_LOCALES = {
    "zh": "zh_Hans_CN",
    "en": "en",
    "th": "th",
    "vi": "vi",
    "km": "km",
    "lo": "lo",
    "my": "my",
}
# How each language writes a day and a time of day (Babel patterns).
_DATE_PATTERNS = {
    "zh": "y年M月d日 EEEE",
    "en": "EEEE d MMMM y",
    "th": "EEEEที่ d MMMM y",
    "vi": "EEEE, 'ngày' d 'tháng' M 'năm' y",
    "km": "'ថ្ងៃ'EEEE 'ទី'd 'ខែ'MMMM 'ឆ្នាំ'y",
    "lo": "EEEE d MMMM y",
    "my": "y MMMM d EEEE",
}
_SEPARATORS = {"zh": " ", "my": " "}  # between the day and the time
_TIME_PATTERNS = {"th": "HH:mm น.", "en": "h:mm a"}


def zone_for_country(country: str | None, default: str = DEFAULT_ZONE) -> str:
    """The zone of a country of the region; default for another or none."""
    return COUNTRY_ZONES.get(country or "", default)


def zone(name: str | None) -> ZoneInfo:
    """The zone of that name, or the default zone for a missing or unknown name."""
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _native(lang: str, text: str, year: int) -> str:
    if lang == "th":  # Thai dates carry the Buddhist-era year (2027 → 2570)
        text = text.replace(str(year), str(year + 543))
    if lang == "my":
        text = text.translate(_MYANMAR_DIGITS)
    if lang == "km":  # dates are written in Khmer numerals: ថ្ងៃអាទិត្យ ទី១៤ ខែមីនា ឆ្នាំ២០២៧
        text = text.translate(_KHMER_DIGITS)
    return text


def format_date(moment: datetime, tz: str | None, lang: str) -> str:
    """The day of moment (aware) in zone tz, written in lang: "วันอาทิตย์ที่ 14 มีนาคม 2570"."""
    local = moment.astimezone(zone(tz))
    text = babel_date(
        local, _DATE_PATTERNS.get(lang, "EEEE d MMMM y"), locale=_LOCALES.get(lang, "en")
    )
    return _native(lang, text, local.year)


def format_clock(moment: datetime, tz: str | None, lang: str) -> str:
    """The time of day of moment (aware) in zone tz, written in lang: "09:00", "၀၉:၃၀"."""
    local = moment.astimezone(zone(tz))
    text = format_time(local, _TIME_PATTERNS.get(lang, "HH:mm"), locale=_LOCALES.get(lang, "en"))
    return _native(lang, text, local.year)


def format_when(start: datetime, end: datetime | None, tz: str | None, lang: str) -> str:
    """Date and times of an event in the person's zone: "Sun, March 14, 2027, 9:00 AM–5:00 PM"."""
    text = f"{format_date(start, tz, lang)}{_SEPARATORS.get(lang, ', ')}{format_clock(start, tz, lang)}"
    if end is None:
        return text
    if end.astimezone(zone(tz)).date() == start.astimezone(zone(tz)).date():
        return f"{text}–{format_clock(end, tz, lang)}"
    sep = _SEPARATORS.get(lang, ", ")
    return f"{text} – {format_date(end, tz, lang)}{sep}{format_clock(end, tz, lang)}"


def out_of_quiet_hours(
    due: datetime, tz: str | None, quiet_start: int = 22, quiet_end: int = 7
) -> datetime:
    """due moved to the nearer edge of the quiet hours [quiet_start:00, quiet_end:00) local.

    Returns due unchanged outside them. A moment at 23:00 goes back to 22:00 the same evening,
    one at 03:00 forward to 07:00 the same morning (whichever edge is nearer).
    """
    edges = quiet_edges(due, tz, quiet_start, quiet_end)
    if edges is None:
        return due
    evening, morning = edges
    return evening if due - evening <= morning - due else morning


def quiet_edges(
    due: datetime, tz: str | None, quiet_start: int = 22, quiet_end: int = 7
) -> tuple[datetime, datetime] | None:
    """The evening and morning edges around due when due falls in quiet hours, else None."""
    zoneinfo = zone(tz)
    local = due.astimezone(zoneinfo)
    hour = local.hour + local.minute / 60 + local.second / 3600
    if quiet_end <= hour < quiet_start:
        return None
    day = local.date() if hour >= quiet_start else local.date() - timedelta(days=1)
    evening = datetime.combine(day, time(quiet_start), zoneinfo)
    morning = datetime.combine(day + timedelta(days=1), time(quiet_end), zoneinfo)
    return evening.astimezone(due.tzinfo), morning.astimezone(due.tzinfo)


def date_range(value: str, now: datetime, tz: str | None) -> tuple[datetime, datetime]:
    """The [start, end) of a time_range value in the person's zone, as aware datetimes.

    Weeks run Monday to Sunday; "this week" and "this month" start now, not in the past.
    """
    zoneinfo = zone(tz)
    today = now.astimezone(zoneinfo).date()

    def at(day: date) -> datetime:
        return datetime.combine(day, time(0), zoneinfo)

    monday = today - timedelta(days=today.weekday())
    first = today.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    ranges = {
        "today": (today, today + timedelta(days=1)),
        "tomorrow": (today + timedelta(days=1), today + timedelta(days=2)),
        "this_week": (today, monday + timedelta(days=7)),
        "this_weekend": (max(today, monday + timedelta(days=5)), monday + timedelta(days=7)),
        "next_week": (monday + timedelta(days=7), monday + timedelta(days=14)),
        "this_month": (today, following),
        "next_month": (following, (following + timedelta(days=32)).replace(day=1)),
    }
    start, end = ranges[value]
    return max(at(start), now), at(end)
