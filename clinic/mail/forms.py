"""Forms of the mail pages (CSRF-protected like every form)."""

from flask_babel import lazy_gettext as _l
from wtforms import SubmitField

from clinic.forms import Form


class UnsubscribeForm(Form):
    submit = SubmitField()


class RetryForm(Form):
    submit = SubmitField(_l("Try again"))
