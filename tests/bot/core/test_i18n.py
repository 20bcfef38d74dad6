import re

import pytest

from bot.core.i18n import LANGUAGES, Catalog

PLACEHOLDER = re.compile(r"\{(\w*)\}")


def test_every_text_exists_in_all_seven_languages(texts: Catalog) -> None:
    assert set(texts.texts) == set(LANGUAGES)
    assert texts.missing() == {}
    english = texts.texts["en"]
    for lang in LANGUAGES:
        extra = set(texts.texts[lang]) - set(english)
        assert not extra, f"{lang} has keys English lacks: {sorted(extra)}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_texts_keep_placeholders_and_are_not_empty(texts: Catalog, lang: str) -> None:
    for key, english in texts.texts["en"].items():
        text = texts.texts[lang][key]
        assert text.strip(), f"{lang}:{key} is empty"
        assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(english)), (
            f"{lang}:{key} placeholders differ from English"
        )


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_texts_are_translated(texts: Catalog, lang: str) -> None:
    same = [
        key
        for key, text in texts.texts[lang].items()
        if text == texts.texts["en"][key] and not key.startswith(("contact.", "country."))
    ]
    assert not same, f"{lang} texts identical to English: {same}"


def test_button_labels_are_short(texts: Catalog) -> None:
    for lang in LANGUAGES:
        for key, text in texts.texts[lang].items():
            if key.startswith("btn."):
                assert len(text) <= 30, f"{lang}:{key} is too long for a button"


def test_missing_text_falls_back_to_english() -> None:
    catalog = Catalog({"en": {"hello": "Hello {name}"}, "th": {}})
    assert catalog.get("th", "hello", name="Somchai") == "Hello Somchai"
    assert catalog.missing() == {lang: ["hello"] for lang in LANGUAGES if lang != "en"}


def test_feature_texts_are_merged_and_a_key_defined_twice_is_refused(tmp_path: object) -> None:
    from pathlib import Path

    root = Path(str(tmp_path))
    (root / "events").mkdir()
    (root / "en.yml").write_text('greet: "Hello"\n', encoding="utf-8")
    (root / "events" / "en.yml").write_text('events.none: "No events"\n', encoding="utf-8")
    assert Catalog.load(root).texts["en"] == {"greet": "Hello", "events.none": "No events"}
    (root / "events" / "en.yml").write_text('greet: "Hi"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="defined twice"):
        Catalog.load(root)
