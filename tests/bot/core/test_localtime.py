"""Dates and times as each person reads them; quiet hours; time_range values as date ranges."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.localtime import (
    date_range,
    format_clock,
    format_date,
    format_when,
    out_of_quiet_hours,
    zone_for_country,
)

START = datetime(2027, 3, 14, 2, 0, tzinfo=UTC)  # 09:00 in Bangkok, 08:30 in Yangon


def test_thai_dates_carry_the_buddhist_era_year() -> None:
    text = format_date(START, "Asia/Bangkok", "th")
    assert "2570" in text and "2027" not in text
    assert text == "วันอาทิตย์ที่ 14 มีนาคม 2570"


def test_burmese_is_written_in_myanmar_digits() -> None:
    text = format_when(START, None, "Asia/Yangon", "my")
    assert "၂၀၂၇" in text and "၀၈:၃၀" in text
    assert not any(digit in text for digit in "0123456789")


def test_yangon_is_half_an_hour_behind_bangkok() -> None:
    assert format_clock(START, "Asia/Yangon", "en") == "8:30 AM"
    assert format_clock(START, "Asia/Bangkok", "en") == "9:00 AM"
    assert format_clock(START, "Asia/Shanghai", "zh") == "10:00"


@pytest.mark.parametrize("lang", ["zh", "en", "th", "vi", "km", "lo", "my"])
def test_every_language_writes_the_day_and_both_times(lang: str) -> None:
    end = datetime(2027, 3, 14, 10, 0, tzinfo=UTC)
    text = format_when(START, end, "Asia/Bangkok", lang)
    assert format_clock(START, "Asia/Bangkok", lang) in text
    assert format_clock(end, "Asia/Bangkok", lang) in text


def test_countries_have_their_zones() -> None:
    assert zone_for_country("CN") == "Asia/Shanghai"
    assert zone_for_country("MM") == "Asia/Yangon"
    assert {zone_for_country(c) for c in ("TH", "KH", "LA", "VN", None)} == {"Asia/Bangkok"}


def test_quiet_hours_move_to_the_nearer_edge() -> None:
    three_am = datetime(2027, 3, 13, 20, 0, tzinfo=UTC)  # 03:00 in Bangkok
    assert out_of_quiet_hours(three_am, "Asia/Bangkok") == datetime(2027, 3, 14, 0, 0, tzinfo=UTC)
    eleven_pm = datetime(2027, 3, 13, 16, 0, tzinfo=UTC)  # 23:00 in Bangkok
    assert out_of_quiet_hours(eleven_pm, "Asia/Bangkok") == datetime(2027, 3, 13, 15, 0, tzinfo=UTC)
    noon = datetime(2027, 3, 13, 5, 0, tzinfo=UTC)
    assert out_of_quiet_hours(noon, "Asia/Bangkok") == noon


def test_time_ranges_are_dates_in_the_persons_zone() -> None:
    now = datetime(2027, 3, 10, 18, 0, tzinfo=UTC)  # Thursday 01:00 in Bangkok, 11 March
    start, end = date_range("tomorrow", now, "Asia/Bangkok")
    assert (start.isoformat(), end.isoformat()) == (
        "2027-03-12T00:00:00+07:00",
        "2027-03-13T00:00:00+07:00",
    )
    start, end = date_range("this_weekend", now, "Asia/Bangkok")
    assert (start.date().isoformat(), end.date().isoformat()) == ("2027-03-13", "2027-03-15")
    start, end = date_range("next_month", now, "Asia/Yangon")
    assert (start.date().isoformat(), end.date().isoformat()) == ("2027-04-01", "2027-05-01")
    start, _ = date_range("this_week", now, "Asia/Bangkok")
    assert start == now  # not in the past


def test_khmer_dates_are_written_in_khmer_numerals() -> None:
    assert format_date(START, "Asia/Phnom_Penh", "km") == "ថ្ងៃអាទិត្យ ទី១៤ ខែមីនា ឆ្នាំ២០២៧"
