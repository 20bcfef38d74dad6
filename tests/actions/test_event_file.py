"""The events file: the example file reads; a bad file is refused with every problem's line."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions.event_file import EventFileError, load, parse
from bot.core.i18n import LANGUAGES
from bot.core.settings import ROOT


def _langs(text: str, indent: int = 4) -> str:
    return "\n".join(f"{' ' * indent}{lang}: {text} {lang}" for lang in LANGUAGES)


def test_the_example_file_is_valid_and_complete() -> None:
    specs = load(ROOT / "data" / "events.yml")
    assert len(specs) >= 5
    assert {spec.category for spec in specs} >= {"youth", "volunteer", "roundtable", "training"}
    for spec in specs:
        assert spec.starts_local.year == 2027
        assert set(spec.title) == set(LANGUAGES) and set(spec.summary) == set(LANGUAGES)
    text = (ROOT / "data" / "events.yml").read_text(encoding="utf-8")
    assert text.startswith("# EXAMPLE EVENTS, for staff to replace")


GOOD = f"""\
- id: good-one
  category: youth
  timezone: Asia/Bangkok
  starts: 2027-03-14T09:00
  ends: 2027-03-14T17:00
  title:
{_langs("Title")}
  summary:
{_langs("Summary")}
  online_url: https://example.org/live
"""


def test_a_good_event_reads_with_its_zone() -> None:
    (spec,) = parse(GOOD, "good.yml")
    assert spec.id == "good-one" and spec.country is None
    assert spec.starts_at.isoformat() == "2027-03-14T02:00:00+00:00"


def test_a_bad_file_is_refused_with_every_problem_and_its_line(tmp_path: Path) -> None:
    missing_lang = "\n".join(
        line for line in _langs("Title").split("\n") if not line.strip().startswith("km:")
    )
    bad = f"""\
- id: first
  category: youth
  timezone: Asia/Bangkok
  starts: 2027-03-14T09:00
  ends: 2027-03-14T17:00
  title:
{missing_lang}
  summary:
{_langs("Summary")}
  place:
{_langs("Place")}
- id: first
  category: party
  country: FR
  timezone: Mars/Olympus
  starts: 2027-02-30T09:00
  ends: 2027-03-14T17:00
  title:
{_langs("Title")}
  summary:
{_langs("x" * 301)}
  online_url: https://example.org
- id: backwards
  category: volunteer
  timezone: Asia/Yangon
  starts: 2027-03-14T09:00
  ends: 2027-03-14T08:00
  title:
{_langs("Title")}
  summary:
{_langs("Summary")}
  online_url: https://example.org
"""
    path = tmp_path / "bad.yml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(EventFileError) as refused:
        load(path)
    problems = refused.value.problems
    lines = bad.split("\n")

    def line_of(fragment: str, after: int = 0) -> int:
        return next(i for i, line in enumerate(lines, 1) if i > after and fragment in line)

    second = line_of("- id: first", 1)
    expected = [
        (line_of("  title:") + 1, "title: missing language km"),
        (line_of("category: party"), "unknown category 'party'"),
        (line_of("country: FR"), "unknown country 'FR'"),
        (line_of("Mars/Olympus"), "unknown time zone 'Mars/Olympus'"),
        (line_of("2027-02-30"), "is not a date and time that exists"),
        (line_of("ends: 2027-03-14T08:00"), "ends (2027-03-14 08:00) is not after starts"),
        (second, "duplicate id 'first' (first at line 1)"),
    ]
    for line, text in expected:
        assert any(p.startswith(f"{path}:{line}: ") and text in p for p in problems), (
            line,
            text,
            problems,
        )
    too_long = [p for p in problems if "304 characters, at most 300" in p]
    assert len(too_long) == 7  # one per language, each at its own line
    assert len({p.split(":")[1] for p in too_long}) == 7


def test_not_yaml_is_refused_with_its_line() -> None:
    with pytest.raises(EventFileError) as refused:
        parse("- id: a\n  title: [unclosed\n", "broken.yml")
    assert refused.value.problems[0].startswith("broken.yml:")
    assert "not valid YAML" in refused.value.problems[0]
