"""The fields an import reads, which column each is in (guessed from the header row in
Kyrgyz, Russian, Uzbek or English), and how a cell's text becomes a value."""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from datetime import datetime

from portal.i18n import lazy_gettext as _l
from portal.imports.models import ImportKind
from portal.places import Place
from portal.places import all_places


@dataclass(frozen=True)
class Field:
    name: str
    label: object
    #: Header words that name this field (compared folded: lower case, ё as е, no punctuation).
    words: tuple[str, ...]


FULL_NAME = Field("full_name", _l("Full name"), (
    "фио", "ф и о", "аты жөнү", "аты жону", "толук аты", "аты", "имя", "фамилия имя",
    "фамилия имя отчество", "имя фамилия", "name", "full name", "исм", "исми", "исм шарифи",
    "фамилияси исми", "ism", "участник", "катышуучу", "иштирокчи",
))  # fmt: skip
PHONE = Field("phone", _l("Phone number"), (
    "телефон", "тел", "моб", "мобильный", "мобильный телефон", "номер телефона", "phone",
    "mobile", "phone number", "телефон номери", "телефон номуру", "тел номер", "whatsapp",
))  # fmt: skip
EMAIL = Field("email", _l("E-mail"), (
    "email", "e mail", "mail", "почта", "эл почта", "электронная почта", "электрондук почта",
    "электрон почта", "e pochta", "эл дарек",
))  # fmt: skip
BIRTH_DATE = Field("date_of_birth", _l("Date of birth"), (
    "дата рождения", "день рождения", "туулган күнү", "туулган куну", "туулган жылы",
    "туулган датасы", "date of birth", "birth date", "birthday", "dob", "туғилган сана",
    "туғилган кун", "туғилган санаси", "tugilgan sana",
))  # fmt: skip
GENDER = Field("gender", _l("Gender"), (
    "пол", "жынысы", "жыныс", "gender", "sex", "жинси", "жинс",
))  # fmt: skip
REGION = Field("region", _l("Region or city"), (
    "область", "облус", "облусу", "регион", "region", "oblast", "вилоят", "вилояти", "город",
))  # fmt: skip
DISTRICT = Field("district", _l("District or town"), (
    "район", "району", "district", "rayon", "туман", "тумани", "district or town",
))  # fmt: skip
COMMUNITY = Field("community", _l("Village or community"), (
    "село", "айыл", "айылы", "айыл аймак", "village", "community", "кишлак", "қишлоқ",
    "населенный пункт", "мекен", "мекен жайы", "адрес", "address", "манзил",
))  # fmt: skip
LANGUAGE = Field("locale", _l("Language"), (
    "язык", "тил", "тили", "language", "lang", "тил тили", "язык общения",
))  # fmt: skip
COMPLETED_ON = Field("completed_on", _l("Completion date"), (
    "дата окончания", "дата завершения", "окончание", "окончил", "бүтүргөн күнү", "бүткөн күнү",
    "аяктаган күнү", "completion date", "completed", "completed on", "graduated",
    "graduation date", "тугатган сана", "тугатган санаси", "дата выдачи", "берилген күнү",
))  # fmt: skip
CERTIFICATE_CODE = Field("code", _l("Certificate code"), (
    "сертификат", "номер сертификата", "код сертификата", "сертификат коду",
    "сертификаттын номери", "certificate", "certificate code", "certificate number", "code",
    "код", "шаҳодатнома", "сертификат рақами",
))  # fmt: skip

FIELDS = {
    ImportKind.PEOPLE: (FULL_NAME, PHONE, EMAIL, BIRTH_DATE, GENDER, REGION, DISTRICT, COMMUNITY,
                        LANGUAGE),
    ImportKind.GRADUATES: (FULL_NAME, PHONE, EMAIL, COMPLETED_ON, CERTIFICATE_CODE, LANGUAGE),
}  # fmt: skip
#: Without these mapped an import cannot run (and a phone or an e-mail, see `mapping_problem`).
REQUIRED = {ImportKind.PEOPLE: ("full_name",), ImportKind.GRADUATES: ("full_name", "completed_on")}


def fold(text: str) -> str:
    """Text compared loosely: NFC, lower case, ё as е, punctuation as spaces."""
    text = unicodedata.normalize("NFC", str(text)).casefold().replace("ё", "е")
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def guess_mapping(kind: ImportKind, header: list[str]) -> dict[str, int]:
    """Field → column, from the header's words: whole names first, then a header holding a
    field's word (so "Телефон номери" is the phone and "Дата рождения" no completion date)."""
    folded = [fold(cell) for cell in header]
    mapping: dict[str, int] = {}
    for loose in (False, True):
        for field in FIELDS[kind]:
            if field.name in mapping:
                continue
            for column, text in enumerate(folded):
                if column in mapping.values() or not text:
                    continue
                if text in field.words or (loose and _holds_word(text, field.words)):
                    mapping[field.name] = column
                    break
    return mapping


def _holds_word(text: str, words: tuple[str, ...]) -> bool:
    padded = f" {text} "
    return any(f" {word} " in padded for word in words if len(word) > 2)


def mapping_problem(kind: ImportKind, mapping: dict[str, int]):
    """(the field, why the import cannot run with this mapping, translated), or None."""
    for field in FIELDS[kind]:
        if field.name in REQUIRED[kind] and field.name not in mapping:
            return field.name, _l("Choose the column with: %(field)s.", field=field.label)
    if "phone" not in mapping and "email" not in mapping:
        return "phone", _l(
            "Choose the column with the phone number or the e-mail address, or both."
        )
    return None


# --- cell values ------------------------------------------------------------------------------

DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%y", "%Y.%m.%d")


def parse_date(value) -> date | None:
    """A date cell, or text in one of the usual ways of writing a date; None if it is not one."""
    if isinstance(value, date):
        return value
    text = str(value).strip().split(" ")[0]
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


#: Folded cell text → gender value.
GENDERS = {
    **dict.fromkeys(("f", "female", "woman", "girl", "ж", "жен", "женский", "женщина", "девушка",
                     "аял", "кыз", "кыз бала", "а", "аёл", "қиз", "хотин қиз", "ayol", "qiz"),
                    "female"),
    **dict.fromkeys(("m", "male", "man", "boy", "м", "муж", "мужской", "мужчина", "парень", "э",
                     "эр", "эркек", "эркек бала", "уул", "эркак", "ўғил", "erkak", "yigit"),
                    "male"),
    **dict.fromkeys(("other", "другое", "башка", "бошқа"), "other"),
}  # fmt: skip
#: Folded cell text → locale.
LANGUAGES = {
    **dict.fromkeys(("ky", "kg", "kyrgyz", "кыргыз", "кыргызча", "кыргыз тили", "киргизский",
                     "кырг", "қирғиз"), "ky"),
    **dict.fromkeys(("ru", "russian", "русский", "орус", "орусча", "орус тили", "рус",
                     "русча", "рус тили"), "ru"),
    **dict.fromkeys(("uz", "uzbek", "ўзбек", "ўзбекча", "ўзбек тили", "өзбек", "өзбекче",
                     "узбекский", "узбек", "o zbek", "ozbek", "o zbekcha", "uz cyrl"),
                    "uz_Cyrl"),
}  # fmt: skip

#: Words that name a kind of unit → the kind they say (left out when a name is matched without
#: them, and used to tell Osh region from Osh city).
UNIT_WORDS = {
    **dict.fromkeys(("область", "облусу", "облус", "обл", "region", "oblast", "вилояти",
                     "вилоят"), "region"),
    **dict.fromkeys(("район", "району", "р н", "district", "rayon", "тумани", "туман"),
                    "district"),
    **dict.fromkeys(("город", "г", "шаары", "шаар", "city", "town", "шаҳри", "шаҳар", "ш"),
                    "city"),
}  # fmt: skip


def _bare(text: str) -> str:
    return " ".join(word for word in fold(text).split() if word not in UNIT_WORDS)


def _kinds(text: str) -> set[str]:
    return {UNIT_WORDS[word] for word in fold(text).split() if word in UNIT_WORDS}


class PlaceIndex:
    """Regions and districts found by any of their names (any language, any case, with or
    without "район", "облусу" …), from the admin units the database holds."""

    def __init__(self, places: list[Place] | None = None):
        self.full: dict[str, set[Place]] = {}
        self.bare: dict[str, set[Place]] = {}
        #: The kinds of unit each place's own names say it is.
        self.kinds: dict[str, set[str]] = {}
        for unit in places if places is not None else all_places():
            names = (unit.code, unit.name_en, unit.name_ky, unit.name_ru, unit.name_uz_cyrl)
            for name in names:
                self.full.setdefault(fold(name), set()).add(unit)
                self.bare.setdefault(_bare(name), set()).add(unit)
                self.kinds.setdefault(unit.code, set()).update(_kinds(name))

    def find(self, text: str, *, top_level: bool | None = None) -> tuple[Place | None, bool]:
        """(the unit, whether several units bear this name): the whole name first, then the
        name without its kind's word (which then picks among units of the same name, as "г. Ош"
        does); `top_level` keeps regions and cities (True) or districts and towns (False)."""
        said = _kinds(text)
        for table, key in ((self.full, fold(text)), (self.bare, _bare(text))):
            found = {
                unit
                for unit in table.get(key, ())
                if top_level is None or (unit.parent_code is None) == top_level
            }
            if len(found) > 1 and said:
                found = {unit for unit in found if self.kinds[unit.code] & said} or found
            if len(found) == 1:
                return found.pop(), False
            if found:
                return None, True
        return None, False
