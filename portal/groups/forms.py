"""Forms for groups, action plans, reviews, discussion and progress."""

from wtforms import BooleanField
from wtforms import Form
from wtforms import FormField
from wtforms import HiddenField
from wtforms import RadioField
from wtforms import SearchField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import AnyOf
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from portal.camps.forms import MultiCheckboxField
from portal.forms import BaseForm
from portal.forms import CalendarDateField
from portal.forms import FilterForm
from portal.forms import IntegerField
from portal.forms import RowList
from portal.forms import validate_district_in_region
from portal.groups.contacts import parse_contact
from portal.groups.labels import ACTIVITY_STATUS_LABELS
from portal.groups.labels import CATEGORY_LABELS
from portal.groups.labels import CRITERIA
from portal.groups.labels import PARTNER_LABELS
from portal.groups.labels import SCORE_LABELS
from portal.groups.labels import SECTION_LABELS
from portal.groups.labels import STATUS_LABELS
from portal.groups.models import ProblemCategory
from portal.i18n import lazy_gettext as _l


class GroupForm(BaseForm):
    name = StringField(
        _l("Group name"),
        validators=[DataRequired(_l("Give your group a name.")), Length(max=120)],
    )
    region = SelectField(_l("Region or city"), validators=[DataRequired(_l("Choose the region."))])
    district = SelectField(_l("District or town"), validate_choice=False)
    community = StringField(_l("Village or community"), validators=[Optional(), Length(max=120)])
    #: district code → region code, set by the view with the choices.
    district_parents: dict[str, str] = {}
    validate_district = validate_district_in_region


class InviteForm(BaseForm):
    person = StringField(
        _l("E-mail or phone number of a young person"),
        validators=[
            DataRequired(_l("Enter an e-mail address or a phone number.")),
            Length(max=254),
        ],
        description=_l("They get an invitation and join only if they accept it."),
    )

    def validate_person(self, field):
        # Only the shape is checked here: whether anyone uses the contact is never said.
        self.contact = parse_contact(field.data)
        if self.contact is None:
            raise ValidationError(_l("Enter an e-mail address or a phone number."))


class JoinForm(BaseForm):
    code = StringField(
        _l("Join code"),
        validators=[DataRequired(_l("Enter the code your group's lead gave you.")), Length(max=16)],
    )


class ChooseMemberForm(BaseForm):
    member = SelectField(_l("New lead"), validators=[DataRequired(_l("Choose a member."))])


class ChooseMentorForm(BaseForm):
    mentor = SelectField(_l("Mentor"), validators=[DataRequired(_l("Choose a mentor."))])


class GroupSwitchForm(BaseForm):
    """The state the organiser asks for ("on" or "off"), not a toggle: a double click or a
    stale page cannot flip the group back."""

    state = HiddenField(validators=[AnyOf(("on", "off"))])


class ActivityForm(Form):
    """One activity row of a plan (a sub-form: the plan form carries the CSRF token)."""

    what = StringField(_l("What"), validators=[Optional(), Length(max=300)])
    who = StringField(_l("Who is responsible"), validators=[Optional(), Length(max=200)])
    starts_on = CalendarDateField(_l("From"), validators=[Optional()])
    ends_on = CalendarDateField(_l("To"), validators=[Optional()])
    resources = StringField(_l("Resources needed"), validators=[Optional(), Length(max=300)])
    remove = BooleanField(_l("Remove this activity"))

    def validate_ends_on(self, field):
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("An activity cannot end before it starts."))


def category_choices():
    return [(category.value, label) for category, label in CATEGORY_LABELS.items()]


def partner_choices():
    return list(PARTNER_LABELS.items())


def text(label, *, length=5000, description=None):
    return TextAreaField(
        label, validators=[Optional(), Length(max=length)], description=description
    )


class PlanForm(BaseForm):
    title = StringField(SECTION_LABELS["title"], validators=[Optional(), Length(max=200)])
    category = SelectField(SECTION_LABELS["category"], choices=category_choices)
    problem = text(SECTION_LABELS["problem"])
    root_causes = text(SECTION_LABELS["root_causes"])
    affected = text(SECTION_LABELS["affected"])
    objectives = text(SECTION_LABELS["objectives"])
    activities = RowList(FormField(ActivityForm), min_entries=1, max_entries=40)
    partners = MultiCheckboxField(SECTION_LABELS["partners"], choices=partner_choices)
    partners_other = StringField(_l("Other partners"), validators=[Optional(), Length(max=200)])
    risks = text(
        _l("What could go wrong, and for whom?"),
        description=_l(
            "Never write names or contact details of victims or of anyone at risk, here or "
            "anywhere in the plan."
        ),
    )
    tension_avoidance = text(_l("How does the plan avoid raising tension between people?"))
    indicators = text(SECTION_LABELS["indicators"])
    budget_som = IntegerField(
        SECTION_LABELS["budget"],
        validators=[
            Optional(),
            NumberRange(min=0, max=100_000_000, message=_l("Enter a sum in som.")),
        ],
    )

    #: The button pressed: "add_row" asks for another activity row, "send" saves the plan and
    #: sends it for review in one step, anything else saves the draft.
    action = StringField()

    @property
    def adding_row(self) -> bool:
        return self.action.data == "add_row"

    @property
    def sending(self) -> bool:
        return self.action.data == "send"

    def sections(self) -> dict:
        return {
            "title": (self.title.data or "").strip(),
            "category": ProblemCategory(self.category.data),
            "problem": self.problem.data or "",
            "root_causes": self.root_causes.data or "",
            "affected": self.affected.data or "",
            "objectives": self.objectives.data or "",
            "partners": list(self.partners.data or []),
            "partners_other": (self.partners_other.data or "").strip(),
            "risks": self.risks.data or "",
            "tension_avoidance": self.tension_avoidance.data or "",
            "indicators": self.indicators.data or "",
            "budget_som": self.budget_som.data,
        }

    def activity_rows(self) -> list[dict]:
        rows = []
        for entry in self.activities:
            data = entry.form.data
            if data["remove"] or not any(data[k] for k in ("what", "who", "resources")):
                continue
            rows.append(
                {key: data[key] for key in ("what", "who", "starts_on", "ends_on", "resources")}
            )
        return rows


def review_form_class():
    """The mentor's review: a score and note per criterion, a comment per section, a decision."""

    class PlanReviewForm(BaseForm):
        overall_comment = TextAreaField(
            _l("Overall comment"),
            validators=[
                DataRequired(_l("Write an overall comment for the group.")),
                Length(max=5000),
            ],
        )
        decision = RadioField(
            _l("Decision"),
            choices=[
                ("approve", _l("Approve the plan")),
                ("request_changes", _l("Ask for changes")),
            ],
            validators=[InputRequired(_l("Choose a decision."))],
        )

        def fill_scores_from(self, review) -> None:
            """The scores and notes of the mentor's review of an earlier version, as defaults."""
            for key in CRITERIA:
                given = (review.scores or {}).get(key) or {}
                self[f"score_{key}"].data = str(given["score"]) if given.get("score") else None
                self[f"note_{key}"].data = given.get("note") or ""

        def places(self) -> dict[str, str]:
            """Field id → the part of the page it sits in, named in the error summary."""
            named = {"overall_comment": _l("Overall comment"), "decision": _l("Decision")}
            for key, criterion in CRITERIA.items():
                named[f"score_{key}"] = named[f"note_{key}"] = criterion
            for key, section in SECTION_LABELS.items():
                named[f"comment_{key}"] = section
            return {self[name].id: str(place) for name, place in named.items()}

    score_choices = [(str(n), label) for n, label in SCORE_LABELS.items()]
    for key, label in CRITERIA.items():
        score = RadioField(
            label,
            choices=score_choices,
            validators=[InputRequired(_l("Give a score from 1 to 4."))],
        )
        note = StringField(
            _l("Why this score: %(criterion)s", criterion=label),
            validators=[DataRequired(_l("Explain the score in a few words.")), Length(max=500)],
        )
        setattr(PlanReviewForm, f"score_{key}", score)
        setattr(PlanReviewForm, f"note_{key}", note)
    for key, label in SECTION_LABELS.items():
        comment = TextAreaField(
            _l("Comment on: %(section)s", section=label), validators=[Optional(), Length(max=2000)]
        )
        setattr(PlanReviewForm, f"comment_{key}", comment)
    return PlanReviewForm


class CommentForm(BaseForm):
    body = TextAreaField(
        _l("Your message"),
        validators=[DataRequired(_l("Write a message first.")), Length(max=3000)],
    )


class ActivityProgressForm(Form):
    """One activity's status in a progress update (a row of ProgressForm.activities)."""

    activity = StringField()
    status = StringField()


class ProgressForm(BaseForm):
    activities = RowList(FormField(ActivityProgressForm), max_entries=200)
    percent_complete = IntegerField(
        _l("How much of the plan is done (%)"),
        validators=[
            InputRequired(_l("Enter a number from 0 to 100.")),
            NumberRange(min=0, max=100, message=_l("Enter a number from 0 to 100.")),
        ],
    )
    what_happened = TextAreaField(
        _l("What happened since the last update?"),
        validators=[DataRequired(_l("Tell your mentor what happened.")), Length(max=5000)],
        description=_l("Do not write names or contact details of victims."),
    )

    def statuses(self, plan) -> dict[str, str]:
        """{activity id: status} for the plan's own activities; unknown rows are left out."""
        ids = {str(activity.id) for activity in plan.activities}
        return {
            row.activity.data: row.status.data
            for row in self.activities
            if row.activity.data in ids and row.status.data in ACTIVITY_STATUS_LABELS
        }


class PlanFilterForm(FilterForm):
    status = SelectField(_l("Status"), validators=[Optional()])
    region = SelectField(_l("Region or city"), validators=[Optional()])
    category = SelectField(_l("Problem"), validators=[Optional()])
    mentor = SelectField(_l("Mentor"), validators=[Optional()])
    q = SearchField(_l("Group or plan"), validators=[Optional(), Length(max=100)])

    def fill_status_and_category(self):
        everyone = [("", _l("All"))]
        self.status.choices = everyone + [(s.value, label) for s, label in STATUS_LABELS.items()]
        self.category.choices = everyone + category_choices()
