"""Uzbek Cyrillic → Latin transliteration used to build uz_Latn."""

import re

import pytest

from portal.translit import to_latin


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [
        ("ўқув", "oʻquv"),
        ("ғалаба", "gʻalaba"),
        ("шаҳар", "shahar"),
        ("цирк", "sirk"),
        ("концерт", "konsert"),
        ("Ўзбекча", "Oʻzbekcha"),
        ("Ёшлар", "Yoshlar"),
        ("ел", "yel"),
        ("оилавий", "oilaviy"),
        ("маъно", "maʼno"),
        ("мактабда", "maktabda"),
        ("юрт", "yurt"),
        ("Қорақулжа тумани", "Qoraqulja tumani"),
        ("ШАҲАР", "SHAHAR"),
        ("Чўл", "Choʻl"),
        # ъ before е/ё/ю/я in loanwords: the y already separates.
        ("объект", "obyekt"),
        ("Объект", "Obyekt"),
        ("подъезд", "podyezd"),
        ("маъно", "maʼno"),
        # с + ҳ takes the tutuq so that it does not read as sh.
        ("Исҳоқ", "Isʼhoq"),
        ("ИСҲОҚ", "ISʼHOQ"),
        ("мусҳаф", "musʼhaf"),
        ("шаҳар", "shahar"),
        # ьо is yo.
        ("павильон", "pavilyon"),
        ("бульон", "bulyon"),
        # Kyrgyz and Russian letters typed into Uzbek content.
        ("Өзгөн", "Oʻzgoʻn"),
        ("үй", "uy"),
        ("Жаңы-Жер", "Jangi-Jer"),
        ("быйыл", "biyil"),
        ("щётка", "shyotka"),
    ],
)
def test_words(cyrillic, latin):
    assert to_latin(cyrillic) == latin


def test_placeholders_markup_and_latin_pass_unchanged():
    text = "%(name)s, <strong>салом</strong>! Jashtar 2026"
    assert to_latin(text) == "%(name)s, <strong>salom</strong>! Jashtar 2026"


def test_e_after_a_vowel_is_ye():
    assert to_latin("поезд") == "poyezd"


def test_no_cyrillic_letter_is_left_whatever_was_typed():
    every_cyrillic_letter = "".join(chr(code) for code in range(0x400, 0x500))
    assert not re.search("[\u0400-\u04ff]", to_latin(every_cyrillic_letter))
