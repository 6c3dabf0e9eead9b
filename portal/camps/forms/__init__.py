"""The camps' forms, one module per subject; the fields and choices they share are here."""

from portal.forms import MultiCheckboxField  # noqa: F401  (the camps' forms take it from here)
from portal.i18n import lazy_gettext as _l
from portal.i18n import lazy_pgettext as _lp

CONTENT_LANGUAGES = {"ky": "Кыргызча", "ru": "Русский", "uz_Cyrl": "Ўзбекча"}


def camp_language_choices():
    return [("ky", _l("Kyrgyz")), ("ru", _l("Russian")), ("uz", _l("Uzbek"))]


def spoken_language_choices():
    return camp_language_choices() + [
        ("tg", _l("Tajik")),
        ("en", _l("English")),
        ("other", _l("Another language")),
    ]


def ethnicity_choices():
    # Context keeps these apart from the language names ("Kyrgyz" the people, not the language).
    return [
        ("kyrgyz", _lp("ethnicity", "Kyrgyz")),
        ("uzbek", _lp("ethnicity", "Uzbek")),
        ("tajik", _lp("ethnicity", "Tajik")),
        ("russian", _lp("ethnicity", "Russian")),
        ("turk", _lp("ethnicity", "Turk")),
        ("uyghur", _lp("ethnicity", "Uyghur")),
        ("azerbaijani", _lp("ethnicity", "Azerbaijani")),
        ("tatar", _lp("ethnicity", "Tatar")),
        ("dungan", _lp("ethnicity", "Dungan")),
        ("kazakh", _lp("ethnicity", "Kazakh")),
        ("other", _lp("ethnicity", "Other")),
    ]
