"""Forms of the referral pages."""

from __future__ import annotations

from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from clinic.forms import NOTE_MAX, Form
from clinic.referrals.models import OUTCOMES

OUTCOME_LABELS = {
    "completed": "Completed: the family saw the specialist",
    "declined": "Declined by the family",
    "unable_to_contact": "Unable to contact the family",
}
# The button that makes each move (SPEC: open → reviewed → sent → closed).
MOVE_LABELS = {"reviewed": "Mark reviewed", "sent": "Mark sent to the specialist", "closed": "Close the referral"}


class TransitionForm(Form):
    """``to`` is the move the page offered; the service refuses it (a conflict) when the
    referral has moved since the page was shown."""

    to = HiddenField(validators=[InputRequired(), Length(max=20)])
    outcome = SelectField(
        "Outcome",
        choices=[SelectChoice("", "Choose the outcome")] + [SelectChoice(o, OUTCOME_LABELS[o]) for o in OUTCOMES],
        default="",
    )
    note = TextAreaField("Note (optional)", validators=[Optional(), Length(max=NOTE_MAX)])
