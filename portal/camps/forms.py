"""Forms for camps, applications, review, consent and check-in."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_wtf.file import FileField
from wtforms import BooleanField
from wtforms import DateField
from wtforms import IntegerField
from wtforms import RadioField
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms import widgets
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from portal.accounts.validators import Phone
from portal.forms import BaseForm
from portal.i18n import TRANSLATED_LOCALES

CONTENT_LANGUAGES = {"ky": "Кыргызча", "ru": "Русский", "uz_Cyrl": "Ўзбекча"}


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


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


class CampForm(BaseForm):
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
    region = SelectField(
        _l("Region or city"), validators=[DataRequired(message=_l("Choose the camp's region."))]
    )
    venue = StringField(
        _l("Venue"),
        validators=[DataRequired(message=_l("Write where the camp takes place.")), Length(max=200)],
    )
    start_date = DateField(_l("First day"), validators=[InputRequired(_l("Enter the first day."))])
    end_date = DateField(_l("Last day"), validators=[InputRequired(_l("Enter the last day."))])
    applications_open = DateField(
        _l("Applications open on"), validators=[InputRequired(_l("Enter when applications open."))]
    )
    applications_close = DateField(
        _l("Applications close on"),
        validators=[InputRequired(_l("Enter when applications close."))],
    )
    confirmation_deadline = DateField(
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

    def validate_title_ky(self, field):
        if not (field.data or self.title_ru.data or self.title_uz_Cyrl.data):
            raise ValidationError(_l("Give the camp a title in at least one language."))

    def validate_end_date(self, field):
        if self.start_date.data and field.data and field.data < self.start_date.data:
            raise ValidationError(_l("The last day cannot be before the first day."))

    def validate_applications_close(self, field):
        if self.applications_open.data and field.data and field.data < self.applications_open.data:
            raise ValidationError(_l("Applications cannot close before they open."))
        if self.start_date.data and field.data and field.data > self.start_date.data:
            raise ValidationError(_l("Applications must close before the camp starts."))

    def validate_confirmation_deadline(self, field):
        if self.start_date.data and field.data and field.data > self.start_date.data:
            raise ValidationError(_l("The confirmation deadline must be before the camp starts."))

    def validate_max_age(self, field):
        if self.min_age.data and field.data is not None and field.data < self.min_age.data:
            raise ValidationError(_l("The oldest age cannot be below the youngest age."))

    def validate_languages(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one language."))

    def camp_fields(self) -> dict:
        def per_locale(prefix):
            return {
                locale: (getattr(self, f"{prefix}_{locale}").data or "").strip()
                for locale in TRANSLATED_LOCALES
            }

        return {
            "title": per_locale("title"),
            "description": per_locale("description"),
            "region_code": self.region.data,
            "venue": self.venue.data.strip(),
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
        for locale in TRANSLATED_LOCALES:
            getattr(self, f"title_{locale}").data = camp.title.get(locale, "")
            getattr(self, f"description_{locale}").data = camp.description.get(locale, "")
        self.region.data = camp.region_code
        for name in (
            "venue", "start_date", "end_date", "applications_open", "applications_close",
            "confirmation_deadline", "capacity", "min_age", "max_age", "eligible_regions",
            "languages",
        ):  # fmt: skip
            getattr(self, name).data = getattr(camp, name)


class CampStatusForm(BaseForm):
    status = SelectField(
        choices=[("published", ""), ("closed", ""), ("cancelled", "")],
        validators=[DataRequired()],
    )


def question_kind_choices():
    return [
        ("short_text", _l("Short answer")),
        ("long_text", _l("Long answer")),
        ("yes_no", _l("Yes or no")),
        ("choice", _l("One of several options")),
    ]


class QuestionForm(BaseForm):
    kind = SelectField(_l("Kind of answer"), choices=question_kind_choices)
    label_ky = StringField(_l("Question in Kyrgyz"), validators=[Length(max=300)])
    label_ru = StringField(_l("Question in Russian"), validators=[Optional(), Length(max=300)])
    label_uz_Cyrl = StringField(_l("Question in Uzbek"), validators=[Optional(), Length(max=300)])
    choices_text = TextAreaField(
        _l("Options"),
        validators=[Optional(), Length(max=3000)],
        description=_l(
            "For a question with options: one option a line, in Kyrgyz | Russian | Uzbek, "
            "for example: Ооба | Да | Ҳа"
        ),
    )
    required = BooleanField(_l("An answer is required"))
    condition_question = SelectField(_l("Ask only when this question…"), validators=[Optional()])
    condition_value = StringField(
        _l("…has this answer"),
        validators=[Length(max=100)],
        description=_l(
            "For yes/no questions write yes or no (in any language); for options, the option's "
            "number."
        ),
    )

    def validate_label_ky(self, field):
        if not (field.data or self.label_ru.data or self.label_uz_Cyrl.data):
            raise ValidationError(_l("Write the question in at least one language."))

    def validate_choices_text(self, field):
        if self.kind.data == "choice" and len(self.parsed_choices()) < 2:
            raise ValidationError(_l("Give at least two options, one a line."))

    def validate_condition_value(self, field):
        if self.condition_question.data and not (field.data or "").strip():
            raise ValidationError(_l("Write the answer that makes this question appear."))
        if self.condition_question.data and (field.data or "").strip():
            field.data = yes_or_no(field.data) or field.data.strip()

    def parsed_choices(self) -> list[dict]:
        choices = []
        for number, line in enumerate((self.choices_text.data or "").splitlines(), start=1):
            parts = [part.strip() for part in line.split("|")]
            if not any(parts):
                continue
            parts += [""] * (3 - len(parts))
            label = dict(zip(TRANSLATED_LOCALES, parts[:3], strict=True))
            choices.append({"value": str(number), "label": label})
        return choices


#: Ways organisers write yes and no in the three languages (and English).
YES = {"yes", "ооба", "да", "ҳа", "ha"}
NO = {"no", "жок", "нет", "йўқ", "yoʻq", "yo'q"}


def yes_or_no(value: str) -> str | None:
    """ "yes" or "no" for an answer written in any of the portal's languages, else None."""
    word = (value or "").strip().casefold()
    if word in YES:
        return "yes"
    if word in NO:
        return "no"
    return None


def field_name(question) -> str:
    return f"q_{question.id}"


def application_form_class(camp, *, minor: bool):
    """The form for `camp`: fixed questions, its extra ones and, for minors, the guardian."""

    class ApplicationForm(BaseForm):
        motivation = TextAreaField(
            _l("Why do you want to come to this camp?"), validators=[Optional(), Length(max=3000)]
        )
        safety_problem = TextAreaField(
            _l("What makes people in your community feel unsafe?"),
            validators=[Optional(), Length(max=3000)],
            description=_l("Describe the problem, not people: do not write names."),
        )
        spoken_languages = MultiCheckboxField(
            _l("Languages you speak"), choices=spoken_language_choices
        )
        previous_camps = StringField(
            _l("Camps or trainings you went to before"), validators=[Optional(), Length(max=500)]
        )
        needs = TextAreaField(
            _l("Health, food or accessibility needs"),
            validators=[Optional(), Length(max=2000)],
            description=_l("Only organisers see this, to take good care of you."),
        )
        emergency_name = StringField(
            _l("Emergency contact: name"), validators=[Optional(), Length(max=120)]
        )
        emergency_phone = StringField(_l("Emergency contact: phone"), validators=[Phone()])
        photo_consent = BooleanField(
            _l("You may take photos and videos of me at the camp and use them about the programme.")
        )
        ethnicity = MultiCheckboxField(
            _l("How do you describe your ethnicity? (optional)"),
            choices=ethnicity_choices,
            description=_l(
                "We ask only to keep camps fair and mixed. Nobody sees your answer: organisers "
                "see totals only. Leave it empty if you prefer not to say."
            ),
        )

    if minor:
        ApplicationForm.guardian_name = StringField(
            _l("Parent or guardian: name"), validators=[Optional(), Length(max=120)]
        )
        ApplicationForm.guardian_relation = StringField(
            _l("Parent or guardian: who they are to you"),
            validators=[Optional(), Length(max=60)],
            description=_l("For example: mother, father, aunt."),
        )
        ApplicationForm.guardian_phone = StringField(
            _l("Parent or guardian: phone"), validators=[Phone()]
        )
    for question in camp.questions:
        setattr(ApplicationForm, field_name(question), question_field(question))
    return ApplicationForm


def question_field(question):
    label = question.display_label
    hint = None
    if question.condition_question_id:
        hint = _l("Answer only if it applies to you (see the question before).")
    if question.kind.value == "long_text":
        return TextAreaField(label, validators=[Optional(), Length(max=3000)], description=hint)
    if question.kind.value == "yes_no":
        return RadioField(
            label,
            choices=[("yes", _l("Yes")), ("no", _l("No"))],
            validators=[Optional()],
            description=hint,
        )
    if question.kind.value == "choice":
        return RadioField(
            label, choices=question.choice_options(), validators=[Optional()], description=hint
        )
    return StringField(label, validators=[Optional(), Length(max=300)], description=hint)


def missing_for_submit(form, camp, *, minor: bool) -> dict[str, str]:
    """Field name → message for what must be filled in before sending (drafts may skip them)."""
    required = {
        "motivation": _l("Tell us why you want to come."),
        "safety_problem": _l("Describe a safety problem in your community."),
        "spoken_languages": _l("Choose the languages you speak."),
        "emergency_name": _l("Give the name of someone we can call in an emergency."),
        "emergency_phone": _l("Give the phone number of your emergency contact."),
    }
    if minor:
        required.update(
            guardian_name=_l("Give your parent's or guardian's name."),
            guardian_relation=_l("Say who your guardian is to you."),
            guardian_phone=_l("Give your parent's or guardian's phone number."),
        )
    missing = {name: message for name, message in required.items() if not getattr(form, name).data}
    answers = {str(q.id): getattr(form, field_name(q)).data for q in camp.questions}
    for question in camp.questions:
        if question.required and is_asked(question, answers) and not answers[str(question.id)]:
            missing[field_name(question)] = _l("Answer this question.")
    return missing


def is_asked(question, answers: dict) -> bool:
    """A conditional question applies only when the other question got the given answer."""
    if not question.condition_question_id:
        return True
    return (answers.get(str(question.condition_question_id)) or "") == question.condition_value


def score_choices():
    return [("", _l("Not scored"))] + [(str(n), str(n)) for n in range(1, 6)]


class ReviewForm(BaseForm):
    score = SelectField(_l("Score (1 = weak, 5 = strong)"), choices=score_choices)
    notes = TextAreaField(
        _l("Private notes"),
        validators=[Optional(), Length(max=5000)],
        description=_l("Only organisers see these notes."),
    )


def decision_choices():
    return [
        ("accepted", _l("Accept")),
        ("waitlisted", _l("Waiting list")),
        ("rejected", _l("Reject")),
    ]


class DecisionForm(BaseForm):
    decision = RadioField(
        _l("Decision"),
        choices=decision_choices,
        validators=[InputRequired(_l("Choose a decision."))],
    )
    reason = TextAreaField(
        _l("Reason shown to the applicant"),
        validators=[Length(max=2000)],
        description=_l("Kind and short. Needed when you reject or put on the waiting list."),
    )

    def validate_reason(self, field):
        if self.decision.data in ("rejected", "waitlisted") and not (field.data or "").strip():
            raise ValidationError(_l("Write a short reason for the applicant."))


class BulkDecisionForm(DecisionForm):
    applications = SelectMultipleField(
        _l("Applications"),
        coerce=int,
        validate_choice=False,
        validators=[DataRequired(_l("Tick at least one application."))],
    )


def consent_method_choices():
    return [
        ("paper_form", _l("Signed paper form (upload a scan or photo)")),
        ("phone_call", _l("Phone call with the parent or guardian")),
    ]


class GuardianConsentForm(BaseForm):
    method = RadioField(
        _l("How did the guardian agree?"),
        choices=consent_method_choices,
        validators=[InputRequired(_l("Choose how the guardian agreed."))],
    )
    scan = FileField(
        _l("Scan or photo of the signed form"),
        description=_l("PDF, JPEG or PNG, up to 5 MB."),
    )
    note = TextAreaField(
        _l("Note"),
        validators=[Optional(), Length(max=1000)],
        description=_l("For a phone call: who you spoke to and when."),
    )

    def validate_scan(self, field):
        if self.method.data == "paper_form" and not field.data:
            raise ValidationError(_l("Attach the scan or photo of the signed form."))


class WaitlistMoveForm(BaseForm):
    position = IntegerField(
        _l("New place in the queue"),
        validators=[InputRequired(_l("Enter a place number.")), NumberRange(min=1, max=10000)],
    )
    reason = StringField(
        _l("Reason"),
        validators=[DataRequired(_l("Write why you move this person.")), Length(max=300)],
    )


class CheckInForm(BaseForm):
    day = DateField(validators=[InputRequired()])
    present = RadioField(choices=[("yes", ""), ("no", "")], validators=[InputRequired()])


def targets_form_class(rows: list[tuple[str, str, str]]):
    """A form with a minimum and maximum percentage for each (dimension, value, label)."""

    class TargetsForm(BaseForm):
        def target_rows(self):
            return [
                (label, self[_target_name(d, v, "min")], self[_target_name(d, v, "max")])
                for d, v, label in rows
            ]

        def targets(self) -> dict:
            result: dict = {}
            for dimension, value, _label in rows:
                low = self[_target_name(dimension, value, "min")].data
                high = self[_target_name(dimension, value, "max")].data
                if low is None and high is None:
                    continue
                result.setdefault(dimension, {})[value] = [low or 0, 100 if high is None else high]
            return result

        def validate(self, extra_validators=None):
            valid = super().validate(extra_validators)
            for dimension, value, _label in rows:
                low = self[_target_name(dimension, value, "min")]
                high = self[_target_name(dimension, value, "max")]
                if low.data is not None and high.data is not None and low.data > high.data:
                    high.errors.append(_l("The maximum cannot be below the minimum."))
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
    return f"t_{dimension}_{value.replace('-', '_')}_{bound}"
