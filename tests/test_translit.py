"""Uzbek Cyrillic → Latin transliteration used to build uz_Latn."""

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
    ],
)
def test_words(cyrillic, latin):
    assert to_latin(cyrillic) == latin


def test_placeholders_markup_and_latin_pass_unchanged():
    text = "%(name)s, <strong>салом</strong>! Jashtar 2026"
    assert to_latin(text) == "%(name)s, <strong>salom</strong>! Jashtar 2026"


def test_e_after_a_vowel_is_ye():
    assert to_latin("поезд") == "poyezd"
