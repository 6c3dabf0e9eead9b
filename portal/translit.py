"""Uzbek Cyrillic → Latin transliteration (the 1995 alphabet as amended), for the uz_Latn build."""

import re

VOWELS = set("аеёиоуўэюяАЕЁИОУЎЭЮЯ")
#: Letters whose Latin form is a single character or a fixed digraph.
LETTERS = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ё": "yo", "ж": "j", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
    "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "x", "ч": "ch", "ш": "sh",
    "ъ": "ʼ", "ь": "", "э": "e", "ю": "yu", "я": "ya", "ў": "oʻ", "қ": "q", "ғ": "gʻ",
    "ҳ": "h",
}  # fmt: skip
CYRILLIC_WORD = re.compile(r"[А-Яа-яЁёЎўҚқҒғҲҳ]+")


def _letter(word: str, i: int) -> str:
    ch = word[i]
    low = ch.lower()
    prev = word[i - 1] if i else ""
    if low == "е":
        # "ye" at the start of a word and after a vowel or the hard/soft sign, otherwise "e".
        latin = "ye" if not prev or prev in VOWELS or prev.lower() in "ъь" else "e"
    elif low == "ц":
        # "s" at the start and after a consonant (цирк → sirk), "ts" after a vowel.
        latin = "ts" if prev and prev in VOWELS else "s"
    else:
        latin = LETTERS.get(low, ch)
    if ch == low or not latin:
        return latin
    nxt = word[i + 1] if i + 1 < len(word) else ""
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
