"""Forms of the mail pages (CSRF-protected like every form)."""

from flask_wtf import FlaskForm
from wtforms import SubmitField


class UnsubscribeForm(FlaskForm):
    submit = SubmitField()


class RetryForm(FlaskForm):
    submit = SubmitField("Try again")
