"""The shipped catalogues are complete, valid and in step with the sources."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from portal.cli import ROOT
from portal.cli import TRANSLATIONS
from portal.cli import extract_args
from portal.cli import generate_uz_latn
from portal.i18n import TRANSLATED_LOCALES

CATALOGUES = {
    locale: TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po" for locale in TRANSLATED_LOCALES
}
PLURAL_FORMS = {"ky": 2, "ru": 3, "uz_Cyrl": 2}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def catalogue(locale) -> polib.POFile:
    return polib.pofile(str(CATALOGUES[locale]))


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_every_message_is_translated_and_not_fuzzy(locale):
    po = catalogue(locale)
    assert [entry.msgid for entry in po.untranslated_entries()] == []
    assert [entry.msgid for entry in po.fuzzy_entries()] == []
    assert len(po.translated_entries()) > 200


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_plurals_have_every_form_filled(locale):
    po = catalogue(locale)
    assert f"nplurals={PLURAL_FORMS[locale]}" in po.metadata["Plural-Forms"]
    for entry in po:
        if entry.msgid_plural:
            forms = [entry.msgstr_plural.get(index, "") for index in range(PLURAL_FORMS[locale])]
            assert all(form.strip() for form in forms), entry.msgid


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_placeholders_are_kept(locale):
    for entry in catalogue(locale):
        wanted = set(PLACEHOLDER.findall(entry.msgid))
        texts = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for text in texts:
            assert set(PLACEHOLDER.findall(text)) == wanted, entry.msgid


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_msgfmt_check_passes(locale):
    if not shutil.which("msgfmt"):
        pytest.skip("msgfmt is not installed (apt-get install gettext); .ci/run installs it")
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(CATALOGUES[locale])],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_dennis_lint_strict_passes(locale):
    dennis = Path(sys.executable).with_name("dennis-cmd")
    result = subprocess.run(
        [str(dennis), "lint", "--strict", str(CATALOGUES[locale])], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_catalogues_are_up_to_date_with_the_sources(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", *extract_args(pot)],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    source = {(entry.msgid, entry.msgid_plural) for entry in polib.pofile(str(pot))}
    for locale in TRANSLATED_LOCALES:
        shipped = {(e.msgid, e.msgid_plural) for e in catalogue(locale) if not e.obsolete}
        assert source - shipped == set(), (
            f"{locale}: run `make i18n` and translate the new messages"
        )
        assert shipped - source == set(), f"{locale}: run `make i18n` to drop unused messages"


def test_uzbek_latin_is_generated_from_cyrillic_without_cyrillic_left():
    latin = polib.pofile(str(generate_uz_latn()))
    cyrillic = catalogue("uz_Cyrl")
    assert {e.msgid for e in latin} == {e.msgid for e in cyrillic}
    for entry in latin:
        texts = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for text in texts:
            assert not re.search("[\u0400-\u04ff]", text), text
