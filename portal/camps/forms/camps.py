"""Forms for setting up a camp: details, status, extra questions and cohort targets."""

import re

from wtforms import SelectField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from portal.camps.forms import camp_language_choices
from portal.camps.schedule import DATE_FIELDS
from portal.camps.schedule import date_problems
from portal.forms import BaseForm
from portal.forms import CalendarDateField
from portal.forms import Confirmable
from portal.forms import IntegerField
from portal.forms import MultiCheckboxField
from portal.forms import TitleAndDescription
from portal.forms import fill_per_language
from portal.forms import in_some_language
from portal.i18n import lazy_gettext as _l


class CampForm(TitleAndDescription, BaseForm):
    missing_title = _l("Give the camp a title in at least one language.")

    region = SelectField(
        _l("Region or city"), validators=[DataRequired(message=_l("Choose the camp's region."))]
    )
    # Per language like the title (a venue has a name in each); no Optional() on the first,
    # so its check below runs when it is empty.
    venue_ky = StringField(_l("Venue in Kyrgyz"), validators=[Length(max=200)])
    venue_ru = StringField(_l("Venue in Russian"), validators=[Optional(), Length(max=200)])
    venue_uz_Cyrl = StringField(_l("Venue in Uzbek"), validators=[Optional(), Length(max=200)])
    start_date = CalendarDateField(
        _l("First day"), validators=[InputRequired(_l("Enter the first day."))]
    )
    end_date = CalendarDateField(
        _l("Last day"), validators=[InputRequired(_l("Enter the last day."))]
    )
    applications_open = CalendarDateField(
        _l("Applications open on"), validators=[InputRequired(_l("Enter when applications open."))]
    )
    applications_close = CalendarDateField(
        _l("Applications close on"),
        validators=[InputRequired(_l("Enter when applications close."))],
    )
    confirmation_deadline = CalendarDateField(
        _l("Accepted applicants confirm by"),
        validators=[InputRequired(_l("Enter the confirmation deadline."))],
    )
    capacity = IntegerField(
        _l("Places"),
        validators=[
            InputRequired(_l("Enter the number of places.")),
            NumberRange(min=1, max=1000, message=_l("Enter a number from 1 to 1000.")),
        ],
    )
    min_age = IntegerField(
        _l("Youngest age"),
        default=14,
        validators=[InputRequired(_l("Enter the youngest age.")), NumberRange(min=14, max=35)],
    )
    max_age = IntegerField(
        _l("Oldest age"),
        default=25,
        validators=[InputRequired(_l("Enter the oldest age.")), NumberRange(min=14, max=35)],
    )
    eligible_regions = MultiCheckboxField(
        _l("Who may apply"),
        description=_l("Tick none to let young people from every region apply."),
    )
    languages = MultiCheckboxField(_l("Camp languages"), choices=camp_language_choices)

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        dates = {name: self[name].data for name in DATE_FIELDS if not self[name].errors}
        for name, message in date_problems(dates).items():
            self[name].errors.append(message)
            valid = False
        return valid

    def validate_max_age(self, field):
        if self.min_age.data and field.data is not None and field.data < self.min_age.data:
            raise ValidationError(_l("The oldest age cannot be below the youngest age."))

    def validate_venue_ky(self, field):
        if not in_some_language(self, "venue"):
            raise ValidationError(_l("Write where the camp takes place."))

    def validate_languages(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one language."))

    def camp_fields(self) -> dict:
        return {
            "title": self.per_language("title"),
            "description": self.per_language("description"),
            "region_code": self.region.data,
            "venue": self.per_language("venue"),
            "start_date": self.start_date.data,
            "end_date": self.end_date.data,
            "applications_open": self.applications_open.data,
            "applications_close": self.applications_close.data,
            "confirmation_deadline": self.confirmation_deadline.data,
            "capacity": self.capacity.data,
            "min_age": self.min_age.data,
            "max_age": self.max_age.data,
            "eligible_regions": list(self.eligible_regions.data or []),
            "languages": list(self.languages.data or []),
        }

    def fill_from(self, camp) -> None:
        self.fill_title_and_description(camp)
        self.region.data = camp.region_code
        fill_per_language(self, "venue", camp.venue)
        for name in (
            "start_date", "end_date", "applications_open", "applications_close",
            "confirmation_deadline", "capacity", "min_age", "max_age", "eligible_regions",
            "languages",
        ):  # fmt: skip
            getattr(self, name).data = getattr(camp, name)


class CampStatusForm(Confirmable, BaseForm):
    status = SelectField(
        choices=[("published", ""), ("closed", ""), ("cancelled", "")],
        validators=[DataRequired()],
    )


def targets_form_class(rows: list[tuple[str, str, str]], *, exclusive: frozenset[str]):
    """A form with a minimum and maximum percentage for each (dimension, value, label).

    In an `exclusive` dimension everyone has one value (a region, a gender), so its minimums
    cannot add up to more than 100%.
    """

    class TargetsForm(BaseForm):
        def target_groups(self) -> list:
            """[(dimension, [(label, min field, max field), …]), …] in the rows' order."""
            groups: dict[str, list] = {}
            for d, v, label in rows:
                groups.setdefault(d, []).append(
                    (label, self[_target_name(d, v, "min")], self[_target_name(d, v, "max")])
                )
            return list(groups.items())

        def fill_from(self, targets: dict) -> None:
            """Show the camp's saved targets ({dimension: {value: [min, max]}})."""
            for dimension, values in targets.items():
                for value, (low, high) in values.items():
                    for bound, number in (("min", low), ("max", high)):
                        name = _target_name(dimension, value, bound)
                        if name in self:
                            self[name].data = number

        def targets(self) -> dict:
            result: dict = {}
            for dimension, value, _label in rows:
                low = self[_target_name(dimension, value, "min")].data
                high = self[_target_name(dimension, value, "max")].data
                if low is None and high is None:
                    continue
                result.setdefault(dimension, {})[value] = [low or 0, 100 if high is None else high]
            return result

        def validate(self, extra_validators=None) -> bool:
            valid = super().validate(extra_validators)
            minimums: dict[str, list] = {}
            for dimension, value, _label in rows:
                low = self[_target_name(dimension, value, "min")]
                high = self[_target_name(dimension, value, "max")]
                if low.data is not None and high.data is not None and low.data > high.data:
                    high.errors.append(_l("The maximum cannot be below the minimum."))
                    valid = False
                if low.data and not low.errors:
                    minimums.setdefault(dimension, []).append(low)
            for dimension, fields in minimums.items():
                if dimension in exclusive and sum(f.data for f in fields) > 100:
                    fields[-1].errors.append(
                        _l(
                            "These minimums add up to more than %(max)d%%: no cohort can meet "
                            "them.",
                            max=100,
                        )
                    )
                    valid = False
            return valid

    percent = [Optional(), NumberRange(min=0, max=100, message=_l("Enter a number from 0 to 100."))]
    for dimension, value, label in rows:
        setattr(
            TargetsForm,
            _target_name(dimension, value, "min"),
            IntegerField(_l("%(group)s: at least (%%)", group=label), validators=percent),
        )
        setattr(
            TargetsForm,
            _target_name(dimension, value, "max"),
            IntegerField(_l("%(group)s: at most (%%)", group=label), validators=percent),
        )
    return TargetsForm


def _target_name(dimension: str, value: str, bound: str) -> str:
    """A field name for the value ("KG-O" → t_region_KG_O_min, "26+" → t_age_band_26__max)."""
    return f"t_{dimension}_{re.sub(r'[^0-9A-Za-z]', '_', value)}_{bound}"
