from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from clinic.auth.models import ROLES
from clinic.auth.passwords import MAX_LENGTH, MIN_LENGTH


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=320)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_LENGTH)])


class StaffForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=320)])
    role = SelectField("Role", choices=[(r, r.replace("_", " ").capitalize()) for r in ROLES])
    team_id = SelectField("Team (home visitors)", coerce=int, validators=[Optional()])
    supervises_id = SelectField("Supervises team (supervisors)", coerce=int, validators=[Optional()])
    password = PasswordField(
        "Initial password", validators=[DataRequired(), Length(min=MIN_LENGTH, max=MAX_LENGTH)]
    )


class PasswordResetForm(FlaskForm):
    password = PasswordField(
        "New password", validators=[DataRequired(), Length(min=MIN_LENGTH, max=MAX_LENGTH)]
    )


class TeamForm(FlaskForm):
    name = StringField("Team name", validators=[DataRequired(), Length(max=200)])


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change something."""
