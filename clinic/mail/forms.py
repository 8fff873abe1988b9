"""Forms of the mail pages (CSRF-protected like every form)."""


from wtforms import SubmitField

from clinic.forms import Form


class UnsubscribeForm(Form):
    submit = SubmitField()


class RetryForm(Form):
    submit = SubmitField("Try again")
