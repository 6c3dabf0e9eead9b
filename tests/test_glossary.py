"""The catalogues keep the vocabulary of translations/GLOSSARY.md, and no Uzbek or Kyrgyz
message leaves a suffix or a postposition hanging after a date or a number."""

import re
from functools import cache

import polib
import pytest
import yaml

from portal.cli import ROOT
from portal.cli import TRANSLATIONS

GLOSSARY = TRANSLATIONS / "GLOSSARY.md"
#: The glossary's language keys and the catalogue each one checks.
LOCALES = {"ky": "ky", "ru": "ru", "uz": "uz_Cyrl"}
YAML_BLOCK = re.compile(r"^```yaml\n(.*?)^```", re.S | re.M)


@cache
def terms() -> list[dict]:
    return [yaml.safe_load(block) for block in YAML_BLOCK.findall(GLOSSARY.read_text("utf-8"))]


@cache
def catalogue(locale: str) -> polib.POFile:
    return polib.pofile(str(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"))


def texts(entry: polib.POEntry) -> list[str]:
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


def stem_pattern(stem: str) -> re.Pattern:
    """A stem starting with a letter must start a word (after a space, a sign or a hyphen)."""
    start = r"(?<!\w)" if re.match(r"\w", stem) else ""
    return re.compile(start + f"(?:{stem})", re.I)


def matching_entries(term: dict, locale: str):
    wanted = re.compile(term["msgid"], re.I)
    skipped = re.compile(term["not_msgid"], re.I) if term.get("not_msgid") else None
    for entry in catalogue(locale):
        if entry.obsolete or (term.get("not_context") and entry.msgctxt == term["not_context"]):
            continue
        english = " ".join(filter(None, (entry.msgid, entry.msgid_plural)))
        if wanted.search(english) and not (skipped and skipped.search(english)):
            yield entry


def glossary_violations() -> list[str]:
    found = []
    for term in terms():
        for key, locale in LOCALES.items():
            rejected = [stem_pattern(stem) for stem in term.get("reject", {}).get(key, [])]
            required = [stem_pattern(stem) for stem in term.get("require", {}).get(key, [])]
            for entry in matching_entries(term, locale):
                for text in texts(entry):
                    for pattern in rejected:
                        if hit := pattern.search(text):
                            found.append(
                                f"{term['term']} | {locale} | {entry.msgid!r}: "
                                f"rejected {hit.group(0)!r} in {text!r}"
                            )
                    for pattern in required:
                        if not pattern.search(text):
                            found.append(
                                f"{term['term']} | {locale} | {entry.msgid!r}: "
                                f"missing {pattern.pattern!r} in {text!r}"
                            )
    return found


def test_the_glossary_is_well_formed():
    assert len(terms()) >= 25
    for term in terms():
        assert {"term", "msgid", "why"} <= term.keys(), term
        assert set(term.get("reject", {})) <= LOCALES.keys(), term["term"]
        re.compile(term["msgid"])
        for stems in term.get("reject", {}).values():
            for stem in stems:
                stem_pattern(stem)


def test_every_key_term_matches_some_message():
    """A pattern that matches nothing guards nothing (a typo, or a message renamed)."""
    idle = [term["term"] for term in terms() if not any(matching_entries(term, "ky"))]
    assert idle == []


def test_catalogues_use_the_glossary_renderings():
    violations = glossary_violations()
    print("\n".join(violations))
    assert violations == [], f"{len(violations)} messages break translations/GLOSSARY.md"


def test_stem_matching_counts_inflected_forms_and_word_starts_only():
    assert stem_pattern("өчүр").search("Аккаунт өчүрүлдү")
    assert stem_pattern("аракет план").search("иш-аракет планы")
    assert not stem_pattern("сом").search("Ассоматсиз")
    assert stem_pattern(r"\(-ла\)").search("Пришёл(-ла)")


#: Uzbek case suffixes that are never a word of their own.
UZBEK_SUFFIX = re.compile(r"(?<![\w%-])(дан|гача|га|ни|нинг|даги|лар)(?!\w)", re.I)
#: Kyrgyz postpositions that need a case ending a placeholder or a digit cannot carry.
KYRGYZ_POSTPOSITION = re.compile(r"(%\(\w+\)[sd]|\d%*)\s+(чейин|баштап|бери)(?!\w)", re.I)


@pytest.mark.parametrize(
    ("locale", "pattern"), [("uz_Cyrl", UZBEK_SUFFIX), ("ky", KYRGYZ_POSTPOSITION)]
)
def test_no_suffix_or_postposition_hangs_after_a_date_or_number(locale, pattern):
    hanging = [
        f"{locale} | {entry.msgid!r}: {text!r}"
        for entry in catalogue(locale)
        for text in texts(entry)
        if pattern.search(text)
    ]
    print("\n".join(hanging))
    assert hanging == []


#: A gettext call in Python code with a string literal that holds "%%".
PYTHON_PERCENT_MESSAGE = re.compile(r"\b_l?\(\s*\"([^\"]*%%[^\"]*)\"\s*\)")


def test_python_messages_without_placeholders_do_not_escape_their_percent_sign():
    """Flask-Babel's gettext leaves "%%" as it is when no variables are passed, so a form label
    showed "(%%)"; Jinja's newstyle gettext always formats, so templates keep "%%"."""
    doubled = [
        f"{path.relative_to(ROOT)}: {literal}"
        for path in (ROOT / "portal").rglob("*.py")
        for literal in PYTHON_PERCENT_MESSAGE.findall(path.read_text("utf-8"))
    ]
    assert doubled == []


def test_the_application_review_and_the_mentors_review_are_told_apart(app):
    """One English word, two ideas: the catalogue keeps them apart by context."""
    from flask_babel import force_locale
    from flask_babel import gettext
    from flask_babel import pgettext

    with app.test_request_context(), force_locale("ru"):
        assert pgettext("application", "Review") == "Оценка заявки"
        assert gettext("Review") == "Отзыв"
