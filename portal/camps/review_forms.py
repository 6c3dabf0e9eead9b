"""Organisers' forms for one application: review, decision, guardian consent, queue, check-in."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import RadioField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from portal.forms import BaseForm
from portal.forms import CalendarDateField
from portal.forms import IdListField
from portal.forms import IntegerField
from portal.uploads import CheckedUpload
from portal.uploads import UploadError
from portal.uploads import check_upload


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
    applications = IdListField(
        _l("Applications"), validators=[DataRequired(_l("Tick at least one application."))]
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

    #: The scan, checked but not yet stored (set when the form is valid and a scan is needed).
    checked_scan: CheckedUpload | None = None

    def validate_scan(self, field):
        if self.method.data != "paper_form":
            return
        if not field.data:
            raise ValidationError(_l("Attach the scan or photo of the signed form."))
        try:
            self.checked_scan = check_upload(field.data)
        except UploadError as error:
            raise ValidationError(str(error)) from error


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
    day = CalendarDateField(validators=[InputRequired()])
    present = RadioField(choices=[("yes", ""), ("no", "")], validators=[InputRequired()])
