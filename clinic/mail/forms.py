"""Forms of the mail pages (CSRF-protected like every form)."""

from wtforms import SubmitField

from clinic.forms import Form
from clinic.translation import lazy_gettext as _l


class UnsubscribeForm(Form):
    submit = SubmitField()


class RetryForm(Form):
    submit = SubmitField(_l("Try again"))
