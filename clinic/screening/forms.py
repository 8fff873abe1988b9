"""Forms of the screening pages.

The fixed fields (dates, notes, choices) are Flask-WTF fields. The answers of a
checklist are radio groups named ``responses-<item id>`` (``ratings-<cue id>`` for
an observation), one per item of the chosen instrument: :class:`KeyedInputs`
reads, keeps and shows them with their errors. The forms check shape; the services
check the rules and name the field at fault, which :func:`show_service_errors`
places beside that field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from wtforms import DateField, HiddenField, SelectField, TextAreaField, TimeField
from wtforms.fields import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from clinic import clock, text
from clinic.cases.models import FOLLOW_UP_KINDS
from clinic.forms import NOTE_MAX, Form, optional_int
from clinic.translation import lazy_gettext as _l

DATE_MESSAGE = _l("Give a real date (YYYY-MM-DD).")
RESPONSE_LABELS = {"yes": _l("Yes"), "sometimes": _l("Sometimes"), "not_yet": _l("Not yet")}
FOLLOW_UP_KIND_LABELS = {"visit": _l("Home visit"), "call": _l("Phone call"), "screening": _l("Screening")}
KEY_MAX = 100  # item and cue ids are at most this long (the columns' length)


class KeyedInputs:
    """Inputs named ``<prefix>-<key>``, one per item or cue, with their errors.

    ``values`` holds what was submitted (or the initial answers), so a refused form
    shows every answer as the user left it.
    """

    def __init__(
        self, prefix: str, formdata: Mapping[str, str] | None = None, initial: Mapping[str, str] | None = None
    ):
        self.prefix = prefix
        self.values: dict[str, str] = dict(initial or {})
        if formdata is not None:
            start = f"{prefix}-"
            self.values = {
                name[len(start) :][:KEY_MAX]: formdata.get(name, "") for name in formdata if name.startswith(start)
            }
        # Each answer and cue note is one line; the form refuses the whole
        # submission (clinic.forms.Form), these put the reason beside the row.
        self.errors: dict[str, str] = {
            key: message for key, value in self.values.items() if (message := text.problem(value))
        }

    def name(self, key: str) -> str:
        return f"{self.prefix}-{key}"

    def present(self) -> dict[str, str]:
        """The non-empty values (an empty text input means "no note")."""
        return {key: value for key, value in self.values.items() if value.strip()}

    def require(self, keys: Iterable[str], message: str) -> None:
        """Flag each key left without a value (used when the rest of the form is refused,
        so every problem shows at once)."""
        for key in keys:
            if not self.values.get(key):
                self.errors.setdefault(key, message)

    def stray_errors(self, keys: Iterable[str]) -> dict[str, str]:
        """Errors of keys the page has no row for (an item of another instrument)."""
        known = set(keys)
        return {key: message for key, message in self.errors.items() if key not in known}


def _today():
    # Looked up at each call, not bound at import, so the clinic's date is today's.
    return clock.today()


def member_choices(members, label_of, none_label: str) -> list[SelectChoice]:
    """Choices of a family's children or caregivers, the empty one first ("none")."""
    return [SelectChoice("", none_label)] + [SelectChoice(str(member.id), label_of(member)) for member in members]


class ScreeningForm(Form):
    """The fixed fields of the screening page; the answers are ``responses-<item id>``."""

    instrument = HiddenField(validators=[InputRequired(message=_l("Choose an instrument."))])
    # One per form shown: a second submission of the same form saves nothing new.
    form_token = HiddenField(validators=[Optional(), Length(max=64)])
    administered_on = DateField(
        _l("Date of the screening"), validators=[InputRequired()], default=_today, invalid_value_message=DATE_MESSAGE
    )
    notes = TextAreaField(_l("Notes (optional)"), validators=[Optional(), Length(max=NOTE_MAX)])


class AmendmentForm(Form):
    reason = TextAreaField(
        _l("Why are the answers corrected?"),
        validators=[DataRequired(message=_l("Say why the answers are corrected.")), Length(max=NOTE_MAX)],
    )


class RiskFactorForm(Form):
    """``code`` choices are the catalog entries for a child or for a caregiver, by category."""

    code = SelectField(_l("Risk factor"), validators=[InputRequired(message=_l("Choose a risk factor."))])
    noted_on = DateField(
        _l("Date noted"), validators=[InputRequired()], default=_today, invalid_value_message=DATE_MESSAGE
    )
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=NOTE_MAX)])


class ResolveRiskFactorForm(Form):
    resolved_on = DateField(
        _l("Date resolved"), validators=[InputRequired()], default=_today, invalid_value_message=DATE_MESSAGE
    )


class ObservationForm(Form):
    """The fixed fields of an observation; each cue is ``ratings-<cue id>`` with an
    optional ``cue_notes-<cue id>``. Child and caregiver choices come from the family."""

    observed_on = DateField(
        _l("Date of the observation"), validators=[InputRequired()], default=_today, invalid_value_message=DATE_MESSAGE
    )
    child_id = SelectField(_l("Child (optional)"), coerce=optional_int)
    caregiver_id = SelectField(_l("Caregiver (optional)"), coerce=optional_int)
    notes = TextAreaField(_l("Overall notes (optional)"), validators=[Optional(), Length(max=NOTE_MAX)])


class FollowUpForm(Form):
    kind = SelectField(
        _l("Kind"), choices=[SelectChoice(kind, FOLLOW_UP_KIND_LABELS[kind]) for kind in FOLLOW_UP_KINDS]
    )
    due_on = DateField(_l("Due on"), validators=[InputRequired()], invalid_value_message=DATE_MESSAGE)
    time = TimeField(
        _l("Time (optional)"),
        validators=[Optional()],
        invalid_value_message=_l("Give the time as HH:MM (24-hour clock)."),
    )
    child_id = SelectField(_l("Child (optional)"), coerce=optional_int)
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=NOTE_MAX)])


class FollowUpStatusForm(Form):
    status = HiddenField(validators=[AnyOf(("done", "cancelled", "scheduled"))])
    # The page the button was on (the worklist), when it was not the family page.
    next = HiddenField()
