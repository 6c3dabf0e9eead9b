"""The base form: WTForms' built-in messages served from the portal's own catalogues; the
fields every domain shares for dates, row lists and ticked ids, bounded so that odd but
well-formed input is refused with a message, never a 500."""

import re
from datetime import date
from datetime import datetime
from typing import Any

import wtforms
from flask import current_app
from flask import request
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import DateField
from wtforms import DateTimeLocalField
from wtforms import FieldList
from wtforms import HiddenField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms import widgets
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from portal.fragments import filled
from portal.fragments import kept
from portal.i18n import TRANSLATED_LOCALES
from portal.i18n import babel_domain
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.i18n import locale_code
from portal.i18n import ngettext

# WTForms' built-in messages, listed so extraction puts them in our catalogues.
BUILTIN_MESSAGES = (
    _l("This field is required."),
    _l("Not a valid choice."),
    _l("'%(value)s' is not a valid choice for this field."),
    _l("'%(value)s' are not valid choices for this field."),
    _l("Not a valid date value."),
    _l("Not a valid integer value."),
    _l("Not a valid decimal value."),
    _l("Invalid input."),
    _l("Invalid value, must be one of: %(values)s."),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _l("Field cannot be longer than %(max)d characters."),
    _l("Field must be at least %(min)d characters long."),
    _l("The CSRF token is missing."),
    _l("The CSRF token is invalid."),
    _l("The CSRF token has expired."),
    _l("The CSRF tokens do not match."),
)


#: The years any date typed into the portal may fall in: wide enough for every record, narrow
#: enough that adding a day, an age band or Bishkek's time zone never leaves Python's calendar.
FIRST_YEAR = 1900
LAST_YEAR = 2100
#: The largest id a database key holds (PostgreSQL `integer`).
MAX_ID = 2**31 - 1


def within_calendar(value: date) -> bool:
    return FIRST_YEAR <= value.year <= LAST_YEAR


def calendar_error() -> str:
    return _(
        "Choose a date between the years %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR
    )


def parse_month(value: str | None) -> date | None:
    """The first day of a `YYYY-MM` month sent in a query string; None if it is not one, or
    lies outside the years the portal accepts (a filter that cannot match is no filter)."""
    if not value or not re.fullmatch(r"[0-9]{4}-[0-9]{2}", value):
        return None
    try:
        month = datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        return None
    return month if within_calendar(month) else None


class _WithinCalendar:
    def pre_validate(self, form):
        if self.data is not None and not within_calendar(self.data):
            raise ValidationError(calendar_error())


#: What a date field accepts: the browser's date picker sends ISO; a browser without one sends
#: what was typed, as the hint beside the field asks (dd.mm.yyyy).
DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%d.%m.%Y %H:%M"]


class CalendarDateField(_WithinCalendar, DateField):
    """A date from FIRST_YEAR to LAST_YEAR; another is refused, the typed text kept."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", DATE_FORMATS)
        super().__init__(*args, **kwargs)


class CalendarDateTimeField(_WithinCalendar, DateTimeLocalField):
    """A date and time from FIRST_YEAR to LAST_YEAR; another is refused, the typed text kept."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", DATETIME_FORMATS)
        super().__init__(*args, **kwargs)


class IntegerField(wtforms.IntegerField):
    """A whole number of at most 15 digits; a longer one is refused before it is converted
    (WTForms' NumberRange turns it into a float, and 400 digits overflow)."""

    def process_formdata(self, valuelist):
        if valuelist and (valuelist[0] or "").strip():
            if not re.fullmatch(r"\s*[-+]?[0-9]{1,15}\s*", valuelist[0]):
                self.data = None
                raise ValueError(self.gettext("Not a valid integer value."))
        super().process_formdata(valuelist)


class DecimalField(wtforms.DecimalField):
    """A plain decimal number (no exponent, NaN or infinity, at most 12 + 6 digits)."""

    def process_formdata(self, valuelist):
        if valuelist and (valuelist[0] or "").strip():
            if not re.fullmatch(r"\s*[-+]?[0-9]{1,12}(?:\.[0-9]{1,6})?\s*", valuelist[0]):
                self.data = None
                raise ValueError(self.gettext("Not a valid decimal value."))
        super().process_formdata(valuelist)


class RowList(FieldList):
    """A list of rows that says so when more are sent than it takes (WTForms alone drops the
    extra rows without a word, and adding one past `max_entries` is an AssertionError)."""

    def _extract_indices(self, prefix, formdata):
        # WTForms takes any Unicode digit ("²"), which int() then refuses: ASCII row numbers only.
        start = len(prefix) + 1
        for key in formdata:
            if key.startswith(prefix + "-"):
                index = key[start:].split("-", 1)[0]
                if re.fullmatch(r"[0-9]{1,9}", index):
                    yield int(index)

    def process(self, formdata, *args, **kwargs):
        self.rows_sent = len(set(self._extract_indices(self.name, formdata or ())))
        super().process(formdata, *args, **kwargs)

    @property
    def list_errors(self) -> list[str]:
        """The errors of the list itself, not of one of its rows."""
        return [error for error in self.errors if isinstance(error, str)]

    def too_many(self) -> str:
        return ngettext(
            "There can be at most %(num)d row here.",
            "There can be at most %(num)d rows here.",
            self.max_entries,
        )

    def append_row(self) -> bool:
        """One more empty row, if the list may grow; else the list carries the error."""
        if self.max_entries is not None and len(self.entries) >= self.max_entries:
            self.errors = [self.too_many()]
            return False
        self.append_entry()
        return True

    def validate(self, form, extra_validators=()):
        valid = super().validate(form, extra_validators)
        if self.max_entries is not None and self.rows_sent > self.max_entries:
            self.errors = [*self.errors, self.too_many()]
            return False
        return valid


class IdListField(SelectMultipleField):
    """Ids ticked on one page of a list: whole numbers a key can hold, at most a page of them."""

    def __init__(self, label=None, validators=None, *, max_entries=100, **kwargs):
        super().__init__(label, validators, coerce=int, validate_choice=False, **kwargs)
        self.max_entries = max_entries

    def process_formdata(self, valuelist):
        if any(not re.fullmatch(r"[0-9]{1,10}", value or "") for value in valuelist):
            self.data = []
            raise ValueError(_("Not a valid choice."))
        self.data = list(dict.fromkeys(int(value) for value in valuelist))

    def pre_validate(self, form):
        if any(not 1 <= value <= MAX_ID for value in self.data or ()):
            raise ValidationError(_("Not a valid choice."))
        if len(self.data or ()) > self.max_entries:
            raise ValidationError(
                ngettext(
                    "Tick at most %(num)d at once.", "Tick at most %(num)d at once.",
                    self.max_entries,
                )
            )  # fmt: skip


class _PortalTranslations:
    """WTForms formats the messages itself, so hand them over unformatted."""

    def gettext(self, string):
        return babel_domain().get_translations().ugettext(string)

    def ngettext(self, singular, plural, n):
        return babel_domain().get_translations().ungettext(singular, plural, n)


class BaseForm(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return _PortalTranslations()


class ActionForm(BaseForm):
    """An empty form whose only job is the CSRF token on a state-changing button."""


#: The value of the `confirm` field that takes a step which cannot be undone.
CONFIRMED = "yes"


class Confirmable:
    """A form for a step that cannot be undone. Its first post is answered by a page saying
    what will happen (portal/confirm.py); only a post that carries `confirm` takes the step,
    so the confirmation works without JavaScript."""

    confirm = HiddenField()

    def confirmed(self) -> bool:
        return self.confirm.data == CONFIRMED


class ConfirmForm(Confirmable, BaseForm):
    """The button of an irreversible step that sends nothing else."""


class TitleAndDescription:
    """Title and description in ky, ru and uz_Cyrl, for content organisers write for everyone.

    Field order matters to the error summary, so forms list these fields first.
    """

    #: Each form says what needs the title, e.g. "Give the camp a title in at least one language."
    missing_title = None

    # No Optional() on the first title: its check below must run when it is empty.
    title_ky = StringField(_l("Title in Kyrgyz"), validators=[Length(max=200)])
    title_ru = StringField(_l("Title in Russian"), validators=[Optional(), Length(max=200)])
    title_uz_Cyrl = StringField(_l("Title in Uzbek"), validators=[Optional(), Length(max=200)])
    description_ky = TextAreaField(
        _l("Description in Kyrgyz"), validators=[Optional(), Length(max=5000)]
    )
    description_ru = TextAreaField(
        _l("Description in Russian"), validators=[Optional(), Length(max=5000)]
    )
    description_uz_Cyrl = TextAreaField(
        _l("Description in Uzbek"), validators=[Optional(), Length(max=5000)]
    )

    def validate_title_ky(self, field):
        if not in_some_language(self, "title"):
            raise ValidationError(self.missing_title)

    def per_language(self, prefix: str) -> dict[str, str]:
        return per_language(self, prefix)

    def fill_title_and_description(self, obj) -> None:
        fill_per_language(self, "title", obj.title)
        fill_per_language(self, "description", obj.description)


def per_language(form, prefix: str) -> dict[str, str]:
    """{"ky": …, "ru": …, "uz_Cyrl": …} from the fields named <prefix>_<locale>."""
    return {
        locale: (getattr(form, f"{prefix}_{locale}").data or "").strip()
        for locale in TRANSLATED_LOCALES
    }


def in_some_language(form, prefix: str) -> bool:
    """Whether at least one of the <prefix>_<locale> fields is filled in (the others fall back)."""
    return any(per_language(form, prefix).values())


def fill_per_language(form, prefix: str, values: dict[str, str] | None) -> None:
    for locale in TRANSLATED_LOCALES:
        getattr(form, f"{prefix}_{locale}").data = (values or {}).get(locale, "")


def error_list(form) -> list[tuple[str, str]]:
    """(field id, message) for every error in the form, sub-forms and row lists included."""
    found: list[tuple[str, str]] = []
    for field in form:
        if field.type in ("FieldList", "RowList"):
            found.extend((field.id, error) for error in field.errors if isinstance(error, str))
            for entry in field:
                found.extend(error_list(entry.form) if entry.type == "FormField" else
                             [(entry.id, str(error)) for error in entry.errors])  # fmt: skip
        elif field.type == "FormField":
            found.extend(error_list(field.form))
        else:
            found.extend((field.id, str(error)) for error in field.errors)
    return found


class NeededToSend:
    """A field a draft may leave empty but a sent form may not. It checks nothing itself (the
    form's own `missing()` does, with `message`); the form macros mark the field required."""

    field_flags = {"needed_to_send": True}

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        pass


def is_required(field) -> bool:
    """Whether the form macros mark the field required: DataRequired or InputRequired, or
    needed to send (`NeededToSend`)."""
    return bool(field.flags.required or field.flags.needed_to_send)


def needed_to_send(form) -> dict[str, str]:
    """Field name → message for every field a sent form may not leave empty."""
    return {
        field.name: validator.message
        for field in form
        for validator in field.validators
        if isinstance(validator, NeededToSend)
    }


#: Plural categories (Intl.PluralRules) and a number of each in the portal's languages, so a
#: counting message can be written out in each form the language has, for page.js to pick.
PLURAL_SAMPLES = {"one": 1, "few": 2, "many": 5, "other": 10}


def characters_left_messages(limit: int) -> dict[str, str]:
    """The live count's message per plural category ("{n}": the number left), and the text
    shown without JavaScript (the limit)."""
    messages = {
        category: ngettext(
            "You have %(left)s character left.",
            "You have %(left)s characters left.",
            sample,
            left="{n}",
        )
        for category, sample in PLURAL_SAMPLES.items()
    }
    messages["static"] = ngettext("Up to %(num)d character.", "Up to %(num)d characters.", limit)
    return messages


class FilterForm(BaseForm):
    """Filters sent by GET; no CSRF token needed for a search."""

    class Meta:
        csrf = False

    def validate(self, extra_validators=None):
        """As BaseForm's; then a value of blanks counts as no value. `Optional()` stops a blank
        field's validation and clears its "not a valid choice" error, so `?category=%20` would
        otherwise reach the query as a choice no list offers."""
        valid = super().validate(extra_validators)
        for field in self:
            if isinstance(field.data, str) and field.data and not field.data.strip():
                field.data = ""
        self.valid = valid
        return valid

    #: Whether the filter was checked and may narrow a query (set by validate).
    valid = False

    def filters(self) -> dict:
        """The values a query may use: none until the filter is valid."""
        return self.data if self.valid else {}

    #: Fields that order the list rather than narrow it: carried in links, never a chip.
    ordering_fields: tuple[str, ...] = ("sort",)

    def query_args(self, *, without: str | None = None) -> dict[str, Any]:
        """The values chosen (a field's default is no choice), to carry the list's filter and
        order in a link (after validate)."""
        return {
            field.name: field.data
            for field in self
            if self.valid
            and field.name != without
            and field.data != field.default
            and isinstance(field.data, str)
            and field.data.strip()
        }

    def active_filters(self) -> list[tuple[str, str, str]]:
        """(field name, label, the value as shown) for each filter narrowing the list."""
        active = []
        for name, value in self.query_args().items():
            if name in self.ordering_fields:
                continue
            field = self[name]
            shown = dict(getattr(field, "choices", None) or ()).get(value, value)
            active.append((name, str(field.label.text), str(shown)))
        return active


def filter_fields(form: FilterForm, *, only=(), skip=()) -> Markup:
    """A list filter's fields as `render_field` draws them (the fields named in `only`, or all
    but those in `skip`), kept rendered per form, language, values and choices.

    A filter is drawn on every view of its list, mostly with the same few values, and drawing
    ten fields with 60 options took a tenth of a list page (2026-12-03). A filter with errors
    is drawn afresh (its errors are this request's), and so is one with words typed in it:
    there are too many of those to keep."""
    fields = [f for f in form if (f.name in only if only else f.name not in skip)]
    return _kept_fields("filter", form, fields, "render_field")


def kept_fields(form, *names: str) -> Markup:
    """The named fields of a form as `render_any` draws them (a group of choices, a tick box or
    an input), kept rendered as `filter_fields` keeps a filter's: per form, language, values and
    choices, drawn afresh with errors or typed words. For forms declared once in a module whose
    labels, hints and limits are their class's (a page's blank decision or consent form), not
    set per request."""
    return _kept_fields("fields", form, [form[name] for name in names], "render_any")


def _kept_fields(kind: str, form, fields, macro: str) -> Markup:
    if form.errors or any(isinstance(f, StringField) and f.data for f in fields):
        return _render_fields(fields, macro)
    form_class = f"{type(form).__module__}.{type(form).__qualname__}"
    key = (kind, form_class, locale_code(), request.script_root) + tuple(
        (f.name, str(f.data), _choices_key(getattr(f, "choices", None) or ())) for f in fields
    )
    return filled(kept(key, lambda: _render_fields(fields, macro)), {})


def _choices_key(choices) -> tuple:
    """A field's choices as plain text for a key: a lazy label's hash is its text in the
    language of the moment, so a key holding one would change its hash with the reader."""
    if isinstance(choices, dict):  # option groups
        return tuple((str(group), _choices_key(options)) for group, options in choices.items())
    return tuple(
        tuple(map(str, choice)) if isinstance(choice, tuple | list) else str(choice)
        for choice in choices
    )


def _render_fields(fields, macro: str) -> Markup:
    draw = getattr(current_app.jinja_env.get_template("_macros/forms.html").module, macro)
    return Markup("").join(draw(field) for field in fields)


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def process_formdata(self, valuelist):
        # A box ticked twice (a repeated key) counts once.
        super().process_formdata(list(dict.fromkeys(valuelist)))


def validate_district_in_region(form, field):
    """A form's `validate_district`: the district belongs to the chosen region, and a region
    with districts needs one. The view sets `form.district_parents` (code → region)."""
    region = form.region.data
    has_districts = region in form.district_parents.values()
    if not field.data:
        field.data = None
        if has_districts:
            raise ValidationError(_l("Choose your district or town."))
        return
    if form.district_parents.get(field.data) != region:
        raise ValidationError(_l("This district is not in the region you chose."))
