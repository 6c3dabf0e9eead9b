"""The question builder: organisers add their own questions to a camp's application form, with
pickers for the kind, a field per language, option rows and the answer that makes it appear."""

from wtforms import BooleanField
from wtforms import Form
from wtforms import FormField
from wtforms import HiddenField
from wtforms import SelectField
from wtforms import StringField
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from portal.camps.models import QuestionKind
from portal.forms import BaseForm
from portal.forms import RowList
from portal.i18n import TRANSLATED_LOCALES
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l

#: Option rows a new question's form shows; "More option rows" adds this many again.
OPTION_ROWS = 4
#: Empty rows shown below the options a question already has.
SPARE_OPTION_ROWS = 2
MAX_OPTIONS = 20
#: Answers a condition can name: the yes/no question's two.
YES_NO = (("yes", _l("Yes")), ("no", _l("No")))


def question_kind_choices():
    return [
        ("short_text", _l("Short answer")),
        ("long_text", _l("Long answer")),
        ("yes_no", _l("Yes or no")),
        ("choice", _l("One of several options")),
    ]


class OptionForm(Form):
    """One option, in each language (a sub-form: the question form carries the CSRF token)."""

    #: The option's stored value, kept when it is edited (answers and conditions name it).
    value = HiddenField(validators=[Length(max=10)])
    text_ky = StringField(_l("Option in Kyrgyz"), validators=[Optional(), Length(max=200)])
    text_ru = StringField(_l("Option in Russian"), validators=[Optional(), Length(max=200)])
    text_uz_Cyrl = StringField(_l("Option in Uzbek"), validators=[Optional(), Length(max=200)])

    def texts(self) -> dict[str, str]:
        return {
            locale: (self[f"text_{locale}"].data or "").strip() for locale in TRANSLATED_LOCALES
        }


class QuestionForm(BaseForm):
    kind = SelectField(_l("Kind of answer"), choices=question_kind_choices)
    label_ky = StringField(_l("Question in Kyrgyz"), validators=[Length(max=300)])
    label_ru = StringField(_l("Question in Russian"), validators=[Optional(), Length(max=300)])
    label_uz_Cyrl = StringField(_l("Question in Uzbek"), validators=[Optional(), Length(max=300)])
    options = RowList(FormField(OptionForm), min_entries=OPTION_ROWS, max_entries=MAX_OPTIONS)
    required = BooleanField(_l("An answer is required"))
    condition = SelectField(
        _l("Ask this question"),
        validators=[Optional()],
        description=_l(
            "Always, or only after a given answer to an earlier yes/no question or question "
            "with options."
        ),
    )
    #: The button pressed: "more_options" shows more option rows, anything else saves.
    action = StringField()

    #: The question's options as stored, when it is being edited (their values stay).
    existing_choices: list[dict] = []

    @property
    def adding_rows(self) -> bool:
        return self.action.data == "more_options"

    def add_option_rows(self) -> None:
        for _row in range(OPTION_ROWS):
            if not self.options.append_row():
                break

    def offer_conditions(self, camp, editing=None) -> None:
        """The condition picker: "always", or each answer of an earlier yes/no or options
        question (a condition kept from before stays offered)."""
        choices = [("", _("Always"))]
        for question in camp.questions:
            if editing is not None and question.position >= editing.position:
                break
            if question.kind is QuestionKind.YES_NO:
                answers = [(value, str(label)) for value, label in YES_NO]
            elif question.kind is QuestionKind.CHOICE:
                answers = question.choice_options()
            else:
                continue
            for value, answer in answers:
                choices.append((f"{question.id}:{value}", _(
                    "Only when “%(question)s” is answered “%(answer)s”",
                    question=question.display_label, answer=answer,
                )))  # fmt: skip
        if editing is not None and editing.condition_question_id:
            kept = f"{editing.condition_question_id}:{editing.condition_value}"
            if kept not in dict(choices):
                choices.append((kept, _("Only after the answer set before")))
        self.condition.choices = choices

    def fill_from(self, question) -> None:
        self.kind.data = question.kind.value
        for locale in TRANSLATED_LOCALES:
            self[f"label_{locale}"].data = (question.label or {}).get(locale, "")
        self.required.data = question.required
        self.existing_choices = list(question.choices or [])
        while len(self.options.entries):
            self.options.pop_entry()
        for choice in self.existing_choices:
            self.options.append_entry({"value": choice["value"], **{
                f"text_{locale}": choice["label"].get(locale, "") for locale in TRANSLATED_LOCALES
            }})  # fmt: skip
        for _row in range(SPARE_OPTION_ROWS):
            self.options.append_row()
        if question.condition_question_id:
            self.condition.data = f"{question.condition_question_id}:{question.condition_value}"

    def validate_label_ky(self, field):
        if not (field.data or self.label_ru.data or self.label_uz_Cyrl.data):
            raise ValidationError(_l("Write the question in at least one language."))

    def validate_options(self, field):
        if self.kind.data == "choice" and len(self.parsed_choices()) < 2:
            # A row list's own errors must be plain strings (portal.forms.error_list).
            raise ValidationError(_("Give at least two options, each in at least one language."))

    def parsed_choices(self) -> list[dict]:
        """The filled-in rows; an option keeps its value, a new one gets the next free number."""
        known = {choice["value"] for choice in self.existing_choices}
        numbers = [int(value) for value in known if value.isdigit()]
        next_number = max(numbers, default=0) + 1
        used: set[str] = set()
        choices = []
        for row in self.options:
            texts = row.form.texts()
            if not any(texts.values()):
                continue
            value = row.form.value.data or ""
            if value not in known or value in used:  # new, or a value this form never showed
                value, next_number = str(next_number), next_number + 1
            used.add(value)
            choices.append({"value": value, "label": texts})
        return choices

    def question_fields(self) -> dict:
        """The question as keyword arguments for services.add_question / change_question."""
        condition_id, _sep, condition_value = (self.condition.data or "").partition(":")
        return {
            "kind": QuestionKind(self.kind.data),
            "label": {
                locale: (getattr(self, f"label_{locale}").data or "").strip()
                for locale in TRANSLATED_LOCALES
            },
            "choices": self.parsed_choices() if self.kind.data == "choice" else [],
            "required": self.required.data,
            "condition_question_id": int(condition_id) if condition_id else None,
            "condition_value": condition_value or None,
        }


def question_form(camp, *, editing=None, submitted: bool = False) -> QuestionForm:
    """The builder's form for a new question (or `editing` one), from the post when submitted."""
    form = QuestionForm() if submitted else QuestionForm(formdata=None)
    form.offer_conditions(camp, editing)
    if editing is not None:
        form.existing_choices = list(editing.choices or [])
        if not submitted:
            form.fill_from(editing)
    return form
