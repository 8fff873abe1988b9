"""Forms of the referral pages."""

from __future__ import annotations

from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from clinic.forms import NAME_MAX, NOTE_MAX, Form
from clinic.referrals.loop import SERVICE_LABELS, SERVICES
from clinic.referrals.models import OUTCOMES
from clinic.translation import lazy_gettext as _l

DATE_MESSAGE = _l("Give a real date (YYYY-MM-DD).")
OUTCOME_LABELS = {
    "completed": _l("Completed: the family saw the specialist"),
    "declined": _l("Declined by the family"),
    "unable_to_contact": _l("Unable to contact the family"),
}
# The button that makes each move (SPEC: open → reviewed → sent → closed).
MOVE_LABELS = {
    "reviewed": _l("Mark reviewed"),
    "sent": _l("Mark sent to the service"),
    "closed": _l("Close the referral"),
}


class TransitionForm(Form):
    """``to`` is the move the page offered; the service refuses it (a conflict) when the
    referral has moved since the page was shown. The service fields are shown (and
    read) only when the move is to ``sent``; an empty date sent means today."""

    to = HiddenField(validators=[InputRequired(), Length(max=20)])
    outcome = SelectField(
        _l("Outcome"),
        choices=[SelectChoice("", _l("Choose the outcome"))] + [SelectChoice(o, OUTCOME_LABELS[o]) for o in OUTCOMES],
        default="",
    )
    service = SelectField(
        _l("Service"),
        choices=[SelectChoice("", _l("Choose the service"))] + [SelectChoice(s, SERVICE_LABELS[s]) for s in SERVICES],
        default="",
    )
    agency = StringField(_l("Agency (optional)"), validators=[Optional(), Length(max=NAME_MAX)])
    sent_on = DateField(_l("Date sent (empty: today)"), validators=[Optional()], invalid_value_message=DATE_MESSAGE)
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=NOTE_MAX)])


class ServiceContactForm(Form):
    service_contact_on = DateField(
        _l("Date of the family's first contact with the service"),
        validators=[InputRequired(message=_l("Give the date of the first contact."))],
        invalid_value_message=DATE_MESSAGE,
    )
