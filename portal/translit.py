"""Uzbek Cyrillic → Latin transliteration (the 1995 alphabet as amended), for the uz_Latn build.

Kyrgyz and Russian letters that people type into Uzbek content are mapped too (ө → oʻ, ү → u,
ң → ng, ы → i, щ → sh, and any other Cyrillic letter to its base letter), so that nothing
Cyrillic is left in the Latin text.
"""

import re
import unicodedata

VOWELS = set("аеёиоуўэюяөүыАЕЁИОУЎЭЮЯӨҮЫ")
#: Letters whose Latin form is a single character or a fixed digraph.
LETTERS = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ё": "yo", "ж": "j", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
    "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "x", "ч": "ch", "ш": "sh",
    "ъ": "ʼ", "ь": "", "э": "e", "ю": "yu", "я": "ya", "ў": "oʻ", "қ": "q", "ғ": "gʻ",
    "ҳ": "h",
    # Kyrgyz and Russian letters typed into Uzbek text.
    "ө": "oʻ", "ү": "u", "ң": "ng", "ы": "i", "щ": "sh", "ә": "a", "һ": "h", "і": "i",
    "ї": "yi", "є": "ye", "ґ": "g",
}  # fmt: skip
CYRILLIC_WORD = re.compile(r"[\u0400-\u04ff]+")
TUTUQ = "ʼ"


def _base_letter(ch: str) -> str:
    """The plain Cyrillic letter under one with a mark (ҷ → ч), or "" when there is none."""
    name = unicodedata.name(ch, "")
    if " WITH " not in name:
        return ""
    try:
        return unicodedata.lookup(name.split(" WITH ")[0]).lower()
    except KeyError:
        return ""


def _letter(word: str, i: int) -> str:
    ch = word[i]
    low = ch.lower()
    prev = word[i - 1] if i else ""
    nxt = word[i + 1] if i + 1 < len(word) else ""
    if low == "е":
        # "ye" at the start of a word and after a vowel or the hard/soft sign, otherwise "e".
        latin = "ye" if not prev or prev in VOWELS or prev.lower() in "ъь" else "e"
    elif low == "ц":
        # "s" at the start and after a consonant (цирк → sirk), "ts" after a vowel.
        latin = "ts" if prev and prev in VOWELS else "s"
    elif low == "ъ" and nxt.lower() in "еёюя" and nxt:
        # In loanwords the y of the next vowel already separates: объект → obyekt.
        latin = ""
    elif low == "ь" and nxt.lower() == "о":
        latin = "y"  # павильон → pavilyon
    elif low == "с" and nxt.lower() == "ҳ":
        latin = "s" + TUTUQ  # Исҳоқ → Isʼhoq, not the sh of ш
    else:
        # Any other Cyrillic letter falls back to its base letter (ҷ → ch), else is dropped.
        latin = LETTERS.get(low, LETTERS.get(_base_letter(low), ""))
    if ch == low or not latin:
        return latin
    # A digraph is all capitals inside an all-capital word (ШАҲАР → SHAHAR), else title case.
    if len(latin) > 1 and latin[1].isalpha() and (nxt.isupper() or (not nxt and prev.isupper())):
        return latin.upper()
    return latin[0].upper() + latin[1:]


def _word(match: re.Match) -> str:
    word = match.group(0)
    return "".join(_letter(word, i) for i in range(len(word)))


def to_latin(text: str) -> str:
    """Transliterate Uzbek Cyrillic text to Latin; anything not Cyrillic passes unchanged."""
    return CYRILLIC_WORD.sub(_word, text)
