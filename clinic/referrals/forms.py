"""Forms of the referral pages."""

from __future__ import annotations

from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from clinic.forms import NAME_MAX, NOTE_MAX, Form
from clinic.referrals.loop import SERVICE_LABELS, SERVICES
from clinic.referrals.models import OUTCOMES

DATE_MESSAGE = "Give a real date (YYYY-MM-DD)."
OUTCOME_LABELS = {
    "completed": "Completed: the family saw the specialist",
    "declined": "Declined by the family",
    "unable_to_contact": "Unable to contact the family",
}
# The button that makes each move (SPEC: open → reviewed → sent → closed).
MOVE_LABELS = {"reviewed": "Mark reviewed", "sent": "Mark sent to the service", "closed": "Close the referral"}


class TransitionForm(Form):
    """``to`` is the move the page offered; the service refuses it (a conflict) when the
    referral has moved since the page was shown. The service fields are shown (and
    read) only when the move is to ``sent``; an empty date sent means today."""

    to = HiddenField(validators=[InputRequired(), Length(max=20)])
    outcome = SelectField(
        "Outcome",
        choices=[SelectChoice("", "Choose the outcome")] + [SelectChoice(o, OUTCOME_LABELS[o]) for o in OUTCOMES],
        default="",
    )
    service = SelectField(
        "Service",
        choices=[SelectChoice("", "Choose the service")] + [SelectChoice(s, SERVICE_LABELS[s]) for s in SERVICES],
        default="",
    )
    agency = StringField("Agency (optional)", validators=[Optional(), Length(max=NAME_MAX)])
    sent_on = DateField("Date sent (empty: today)", validators=[Optional()], invalid_value_message=DATE_MESSAGE)
    note = TextAreaField("Note (optional)", validators=[Optional(), Length(max=NOTE_MAX)])


class ServiceContactForm(Form):
    service_contact_on = DateField(
        "Date of the family's first contact with the service",
        validators=[InputRequired(message="Give the date of the first contact.")],
        invalid_value_message=DATE_MESSAGE,
    )
