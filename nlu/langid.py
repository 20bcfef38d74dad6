"""Which of the seven languages a short chat message is written in.

Six of the seven are told apart by their script. Latin text is English or Vietnamese: Vietnamese
letters and tone marks decide at once; without them (many Vietnamese users type without
diacritics) each word is scored against Vietnamese syllable structure and the most frequent
words of both languages. Pure standard library: imported by the bot and by Rasa's environment.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from nlu.scripts import HAN, LATIN, OTHER_LETTERS, SCRIPT_LANGUAGE, letter_counts

LANGUAGES = ("zh", "en", "th", "vi", "km", "lo", "my")

# Letters of a native script count this many times more than Latin letters, so native text with
# English words ("มี Facebook page ไหม", "key areas ของ framework นี้") stays native: a native
# syllable is two or three letters where an English word is five. A Chinese character is a word.
NATIVE_SCRIPT_WEIGHT = 4.0
HAN_WEIGHT = 4.0


@dataclass(frozen=True)
class LanguageGuess:
    """A language code of LANGUAGES (None when nothing can be told) and a confidence in [0, 1]."""

    lang: str | None
    confidence: float


def identify(text: str) -> LanguageGuess:
    """Identify the language of text (best after `nlu.normalize.normalize`)."""
    counts = letter_counts(text)
    weighted = {script: count * _weight(script) for script, count in counts.items()}
    total = sum(weighted.values())
    if total == 0:
        return LanguageGuess(None, 0.0)
    script = max(weighted, key=lambda s: weighted[s])
    share = weighted[script] / total
    if script == OTHER_LETTERS:
        return LanguageGuess(None, 0.0)
    if script != LATIN:
        return LanguageGuess(SCRIPT_LANGUAGE[script], round(share, 3))
    lang, confidence = latin_language(text)
    return LanguageGuess(lang, round(share * confidence, 3))


def _weight(script: str) -> float:
    if script in (LATIN, OTHER_LETTERS):
        return 1.0
    return HAN_WEIGHT if script == HAN else NATIVE_SCRIPT_WEIGHT


_WORD = re.compile(r"[^\W\d_]+")
# Letters that only Vietnamese (of our two Latin languages) writes.
_VIETNAMESE_LETTERS = set("ăâđêôơưĂÂĐÊÔƠƯ")
_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}

_ONSET = "(?:ngh|ng|gh|gi|kh|nh|ph|qu|th|tr|ch|[bcdghklmnprstvx])?"
_RHYMES = (
    "a ac ach ai am an ang anh ao ap at au ay "
    "e ec em en eng eo ep et eu "
    "i ia ich iec iem ien ieng iep iet ieu im in inh ip it iu "
    "o oa oac oach oai oam oan oang oanh oao oap oat oay oc oe oem oen oeo oet oi om on ong "
    "oo ooc oong op ot "
    "u ua uan uang uat uay uc ue uech uen uenh uet ui um un ung uo uoc uoi uom uon uong uop "
    "uot uou up ut uu uy uya uych uyen uyet uynh uyt uyu "
    "y yen yet yeu"
).split()
_SYLLABLE = re.compile(f"{_ONSET}(?:{'|'.join(sorted(_RHYMES, key=len, reverse=True))})")

# The most frequent Vietnamese syllables as typed without diacritics.
_VI_COMMON = frozenset(
    """
    toi ban minh mik mk co khong ko k duoc dc la va cua cac nhung mot nay do de trong cho voi
    da se dang thi ma nhu ve tu ra vao lam biet muon hoi gi j sao nao o den di nam ngay thang
    gio moi nguoi viet chung ta ho em anh chi chu bac co cau ong ba con nha khi nao bao nhieu
    may rat qua nhe nha nhi a oi u vay the roi chua cung con them nua lai dung sai xin chao cam
    on tam biet hen gap giup tim hieu thong tin du an chuong trinh hoat dong su kien dien dan hoi
    thao tinh nguyen vien thanh nien tre sinh hoc tham gia dang ky ky nhac nho thoi huy bo tai
    xoa lien he dia chi so dien thoai trung tam hop tac moi truong xanh lan thuong me kong quoc
    gia nuoc lao thai lan campuchia myanmar trung quoc khi hau bien doi phat thai o nhiem rac
    nhua khong khi da dang rung dong vat bao ton tai tro kinh phi quy tien ngon ngu tieng noi
    can phai nen hay hoac neu vi tai sao boi vi nhieu it lon nho moi cu cai chiec nguoi dan
    cong dong lang xa truong thanh pho tinh huyen ke hoach chien luoc linh vuc uu tien gop y
    phan hoi khao sat danh gia y kien thay minh thich yeu ghet biet khong sap toi tuan nay ngay
    mai hom nay bay gio luc nao dau kia day nay ay ne nhe ha ah ak an
    """.split()
)
# Names and loanwords both languages write the same way: no evidence for either ("web chinh thuc
# cua lmec" is Vietnamese; "lmec website" English). "green" before "lancang" is part of a name.
_NEUTRAL = frozenset(
    """
    lancang mekong lmec glm asean web website fanpage facebook youtube zalo email mail online
    app link ok
    """.split()
)
_EN_COMMON = frozenset(
    """
    the be to of and a in that have i it for not on with he as you do at this but his by from
    they we say her she or an will my one all would there their what so up out if about who get
    which go me when make can like time no just him know take people into year your good some
    could them see other than then now look only come its over think also back after use two how
    our work first well way even new want because any these give day most us is are was were has
    had been am does did doing please pls thanks thank hello hi hey bye yes yeah okay where
    why whats what's how's join help project projects event events forum forums volunteer youth
    green initiative center centre about tell info information contact
    fund funding who which countries country climate change pollution plastic waste
    water air biodiversity wildlife forest platform knowledge remind reminder subscribe stop
    feedback survey language delete data my me can could should would u ur r thx plz im i'm
    dont don't cant can't wanna gonna any some more less very much many much really sorry
    """.split()
)


def fold(word: str) -> str:
    """A Latin word without diacritics, lower case, đ as d ("Đa dạng" → "da dang")."""
    decomposed = unicodedata.normalize("NFD", word.lower().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def has_vietnamese_marks(word: str) -> bool:
    """True when word holds a letter or tone mark that English does not use."""
    if any(c in _VIETNAMESE_LETTERS for c in word):
        return True
    return any(c in _TONE_MARKS for c in unicodedata.normalize("NFD", word))


@lru_cache(maxsize=4096)
def _word_scores(word: str) -> tuple[float, float]:
    """(Vietnamese, English) evidence of one word."""
    if has_vietnamese_marks(word):
        return 3.0, 0.0
    folded = fold(word)
    in_vi = folded in _VI_COMMON
    in_en = folded in _EN_COMMON
    if in_vi and in_en:
        return 0.5, 0.5
    if in_vi:
        return 1.0, 0.0
    if in_en:
        return 0.0, 1.0
    if _SYLLABLE.fullmatch(folded):
        return 0.4, 0.2
    return 0.0, 0.8


def latin_language(text: str) -> tuple[str, float]:
    """English or Vietnamese, with a confidence, for Latin-script text."""
    vi = en = 0.0
    words = [w for w in _WORD.findall(text) if all(script_is_latin(c) for c in w)]
    for word, following in pairwise([*words, ""]):
        lower = word.lower()
        if lower in _NEUTRAL or (lower == "green" and following.lower() == "lancang"):
            continue
        v, e = _word_scores(word)
        vi += v
        en += e
    if vi + en == 0:
        return "en", 0.5
    if vi > en:
        return "vi", vi / (vi + en)
    return "en", en / (vi + en)


def script_is_latin(char: str) -> bool:
    """True for Latin letters, Vietnamese ones included."""
    code = ord(char)
    return code < 0x0250 or 0x1E00 <= code <= 0x1EFF
