import pytest

from bot.core.audience import Audience, AudienceError, parse


def test_all_alone_is_everyone() -> None:
    assert parse("all") == Audience()
    assert parse("  all ").everyone


def test_terms_are_anded_and_values_ored() -> None:
    audience = parse(
        "lang=th,EN channel=line country=th follows=forum,youth-forum-2027 unfinished=event-feedback"
    )
    assert audience.values("lang") == ("th", "en")
    assert audience.values("channel") == ("line",)
    assert audience.values("country") == ("TH",)
    assert audience.values("follows") == ("forum", "youth-forum-2027")
    assert audience.values("unfinished") == ("event-feedback",)
    assert (
        str(audience)
        == "lang=th,en channel=line country=TH follows=forum,youth-forum-2027 unfinished=event-feedback"
    )


@pytest.mark.parametrize(
    ("expression", "named"),
    [
        ("", "empty audience"),
        ("lang=th,xx", "lang=xx"),
        ("country=JP", "country=JP"),
        ("channel=whatsapp", "channel=whatsapp"),
        ("colour=green", "'colour'"),
        ("lang", "'lang'"),
        ("lang=th lang=en", "'lang' appears twice"),
        ("lang=th,", "'lang=th,'"),
        ("all lang=th", "`all` stands alone"),
        ("follows=Live_Concerts!", "follows=Live_Concerts!"),
        ("unfinished=my survey", "'survey'"),
    ],
)
def test_an_error_names_the_bad_part(expression: str, named: str) -> None:
    with pytest.raises(AudienceError) as error:
        parse(expression)
    assert named in str(error.value)
