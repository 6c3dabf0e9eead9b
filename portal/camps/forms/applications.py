"""The application form a young person fills in, and the organisers' review and decisions."""

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from wtforms import BooleanField
from wtforms import RadioField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from portal.accounts.validators import Phone
from portal.camps.forms import ethnicity_choices
from portal.camps.forms import spoken_language_choices
from portal.camps.models import is_asked
from portal.forms import BaseForm
from portal.forms import Confirmable
from portal.forms import IdListField
from portal.forms import IntegerField
from portal.forms import MultiCheckboxField
from portal.forms import NeededToSend
from portal.forms import needed_to_send
from portal.i18n import lazy_gettext as _l

QUESTION_PREFIX = "q_"


def field_name(question) -> str:
    return f"{QUESTION_PREFIX}{question.id}"


@dataclass
class FormSection:
    """One part of a long form: its anchor, title, fields and how many still need an answer."""

    anchor: str
    title: str
    fields: list
    hint: str | None = None
    to_fill: int = dataclass_field(default=0)


class ApplicationAnswers(BaseForm):
    """What every camp's application form gives back: the answers, and what is missing."""

    _camp: Any = None  # the camp being applied to, set by the form's factory
    _minor = False
    #: The button pressed: "submit" sends the application, anything else saves the draft.
    action = StringField()

    @property
    def sending(self) -> bool:
        return self.action.data == "submit"

    def fill_from(self, application, ethnicity) -> None:
        self.ethnicity.data = list(ethnicity)
        self.photo_consent.data = application.photo_consent_at is not None
        for question in self._camp.questions:
            self[field_name(question)].data = application.answers.get(str(question.id))

    def answers(self) -> dict[str, str]:
        """Every extra question's answer as typed (the service drops those not asked)."""
        return {str(q.id): self[field_name(q)].data or "" for q in self._camp.questions}

    def application_fields(self) -> dict:
        """The cleaned answers, ready for services.save_answers."""
        fields = {
            "motivation": self.motivation.data or "",
            "safety_problem": self.safety_problem.data or "",
            "spoken_languages": list(self.spoken_languages.data or []),
            "previous_camps": self.previous_camps.data or "",
            "needs": self.needs.data or "",
            "emergency_name": self.emergency_name.data or "",
            "emergency_phone": self.emergency_phone.data,
            "answers": self.answers(),
            "ethnicity": list(self.ethnicity.data or []),
            "photo_consent": self.photo_consent.data,
        }
        if self._minor:
            fields.update(
                guardian_name=self.guardian_name.data or "",
                guardian_relation=self.guardian_relation.data or "",
                guardian_phone=self.guardian_phone.data,
            )
        return fields

    def savable_fields(self, application, ethnicity) -> dict | None:
        """What can be kept in the draft when the form is refused: every answer but the ones
        with an error, which keep what the draft held (None: nothing, the post is not the
        applicant's own form)."""
        if self.csrf_token.errors:
            return None
        fields = self.application_fields()
        for name in list(fields):
            if name in self and self[name].errors:
                del fields[name]
        kept = dict(application.answers or {})
        for question in self._camp.questions:
            field = self[field_name(question)]
            if not field.errors:
                kept[str(question.id)] = field.data or ""
        fields["answers"] = kept
        fields.setdefault("ethnicity", list(ethnicity))
        fields.setdefault("photo_consent", application.photo_consent_at is not None)
        return fields

    def sections(self) -> list[FormSection]:
        """The form's parts in order, each counting what sending still needs in it."""
        parts = [
            FormSection("about", _l("About you and the camp"),
                        [self.motivation, self.safety_problem, self.spoken_languages,
                         self.previous_camps]),
            FormSection("safety", _l("Your safety"),
                        [self.needs, self.emergency_name, self.emergency_phone]),
        ]  # fmt: skip
        if self._minor:
            parts.append(FormSection(
                "guardian", _l("Your parent or guardian"),
                [self.guardian_name, self.guardian_relation, self.guardian_phone],
                hint=_l("You are under 18 on the camp's first day, so a parent or guardian must "
                        "agree. An organiser will contact them."),
            ))  # fmt: skip
        if self._camp.questions:
            parts.append(FormSection(
                "questions", _l("Questions from the organisers"),
                [self[field_name(question)] for question in self._camp.questions],
            ))  # fmt: skip
        parts.append(FormSection("background", _l("Photos and your background (optional)"),
                                 [self.photo_consent, self.ethnicity]))  # fmt: skip
        missing = missing_for_submit(self, self._camp, minor=self._minor)
        for part in parts:
            part.to_fill = sum(1 for f in part.fields if f.name in missing)
        return parts

    def missing(self) -> dict[str, str]:
        """What must still be filled in to send the application (nothing while saving)."""
        if not self.sending:
            return {}
        return missing_for_submit(self, self._camp, minor=self._minor)


def application_form_class(camp, *, minor: bool):
    """The form for `camp`: fixed questions, its extra ones and, for minors, the guardian."""

    class ApplicationForm(ApplicationAnswers):
        _camp = camp
        _minor = minor
        motivation = TextAreaField(
            _l("Why do you want to come to this camp?"),
            validators=[NeededToSend(_l("Tell us why you want to come.")), Optional(),
                        Length(max=3000)],
        )  # fmt: skip
        safety_problem = TextAreaField(
            _l("What makes people in your community feel unsafe?"),
            validators=[
                NeededToSend(_l("Describe a safety problem in your community.")),
                Optional(),
                Length(max=3000),
            ],
            description=_l("Describe the problem, not people: do not write names."),
        )
        spoken_languages = MultiCheckboxField(
            _l("Languages you speak"), choices=spoken_language_choices,
            validators=[NeededToSend(_l("Choose the languages you speak."))],
        )  # fmt: skip
        previous_camps = StringField(
            _l("Camps or trainings you went to before"), validators=[Optional(), Length(max=500)]
        )
        needs = TextAreaField(
            _l("Health, food or accessibility needs"),
            validators=[Optional(), Length(max=2000)],
            description=_l("Only organisers see this, to take good care of you."),
        )
        emergency_name = StringField(
            _l("Emergency contact: name"),
            validators=[NeededToSend(_l("Give the name of someone we can call in an emergency.")),
                        Optional(), Length(max=120)],
            render_kw={"autocomplete": "off"},
        )  # fmt: skip
        emergency_phone = StringField(
            _l("Emergency contact: phone"),
            validators=[NeededToSend(_l("Give the phone number of your emergency contact.")),
                        Phone()],
            render_kw={"autocomplete": "off", "inputmode": "tel"},
        )  # fmt: skip
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
            _l("Parent or guardian: name"),
            validators=[NeededToSend(_l("Give your parent's or guardian's name.")), Optional(),
                        Length(max=120)],
        )  # fmt: skip
        ApplicationForm.guardian_relation = StringField(
            _l("Parent or guardian: who they are to you"),
            validators=[
                NeededToSend(_l("Say who your guardian is to you.")),
                Optional(),
                Length(max=60),
            ],  # fmt: skip
            description=_l("For example: mother, father, aunt."),
        )
        ApplicationForm.guardian_phone = StringField(
            _l("Parent or guardian: phone"),
            validators=[NeededToSend(_l("Give your parent's or guardian's phone number.")),
                        Phone()],
            render_kw={"inputmode": "tel"},
        )  # fmt: skip
    for question in camp.questions:
        setattr(ApplicationForm, field_name(question), question_field(question))
    return ApplicationForm


def question_field(question):
    label = question.display_label
    hint = None
    needed = [NeededToSend(_l("Answer this question."))] if question.required else []
    if question.condition_question_id:
        hint = _l("Answer only if it applies to you (see the question before).")
    if question.kind.value == "long_text":
        return TextAreaField(
            label, validators=[*needed, Optional(), Length(max=3000)], description=hint
        )
    if question.kind.value == "yes_no":
        return RadioField(
            label,
            choices=[("yes", _l("Yes")), ("no", _l("No"))],
            validators=[*needed, Optional()],
            description=hint,
        )
    if question.kind.value == "choice":
        return RadioField(
            label, choices=question.choice_options(), validators=[*needed, Optional()],
            description=hint,
        )  # fmt: skip
    return StringField(label, validators=[*needed, Optional(), Length(max=300)], description=hint)


def missing_for_submit(form, camp, *, minor: bool) -> dict[str, str]:
    """Field name → message for what must be filled in before sending (drafts may skip them)."""
    required = {
        name: message
        for name, message in needed_to_send(form).items()
        if not name.startswith(QUESTION_PREFIX)
    }
    missing = {name: message for name, message in required.items() if not getattr(form, name).data}
    answers = {str(q.id): getattr(form, field_name(q)).data for q in camp.questions}
    for question in camp.questions:
        if question.required and is_asked(question, answers) and not answers[str(question.id)]:
            missing[field_name(question)] = _l("Answer this question.")
    return missing


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


#: The bulk form's `scope` when the decision goes to every application the filter finds.
MATCHING = "matching"


class BulkDecisionForm(Confirmable, DecisionForm):
    """One decision for the ticked applications, or (scope "matching", after a confirmation)
    for every application matching the list's filter, which the action's query string carries."""

    applications = IdListField(_l("Applications"))
    #: The button pressed: "matching" for every application the filter finds.
    scope = StringField()
    #: How many matched when the organiser confirmed; a different count asks again.
    expected = IntegerField(validators=[Optional()])

    @property
    def for_all_matching(self) -> bool:
        return self.scope.data == MATCHING

    def validate_applications(self, field):
        if not self.for_all_matching and not field.data:
            raise ValidationError(_l("Tick at least one application."))


class ResumeCodeForm(BaseForm):
    """The code a young person got on another phone to continue their draft here."""

    code = StringField(
        _l("Code"),
        description=_l("Six letters and numbers, for example KHT-4PX."),
        filters=[lambda value: (value or "").strip()[:32]],
        validators=[DataRequired(message=_l("Type the code you got."))],
    )
