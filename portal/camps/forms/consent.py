"""Recording a guardian's consent."""

from flask_wtf.file import FileField
from wtforms import RadioField
from wtforms import TextAreaField
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from portal.forms import BaseForm
from portal.i18n import lazy_gettext as _l
from portal.uploads import MAX_UPLOAD_MEGABYTES
from portal.uploads import CheckedUpload
from portal.uploads import UploadError
from portal.uploads import check_upload
from portal.uploads import too_large_message

#: What the file picker offers (the server checks the content, whatever the name says).
ACCEPTED_FILES = "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"


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
        description=_l(
            "PDF, JPEG or PNG (a photo taken with a phone is fine), up to %(size)d MB.",
            size=MAX_UPLOAD_MEGABYTES,
        ),
        # The browser offers photos and scans; page.js makes a large photo smaller first.
        render_kw={"accept": ACCEPTED_FILES, "data-downscale": "2000"},
    )
    note = TextAreaField(
        _l("Note"),
        validators=[Optional(), Length(max=1000)],
        description=_l("For a phone call: who you spoke to and when."),
    )

    def refuse_unread_scan(self) -> None:
        """The form for a body too large to read: paper form chosen, the scan refused."""
        self.method.data = "paper_form"
        self.scan.errors = [too_large_message()]

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
