from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from clinic.auth.models import ROLES
from clinic.auth.passwords import MAX_LENGTH, MIN_LENGTH
from clinic.forms import optional_int

PASSWORD_LENGTH = Length(min=MIN_LENGTH, max=MAX_LENGTH, message=f"Use {MIN_LENGTH} to {MAX_LENGTH} characters.")


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=320)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_LENGTH)])


class StaffForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=320)])
    role = SelectField("Role", choices=[SelectChoice(r, r.replace("_", " ").capitalize()) for r in ROLES])
    team_id = SelectField("Team (home visitors)", coerce=optional_int, validators=[Optional()])
    supervises_id = SelectField("Supervises team (supervisors)", coerce=optional_int, validators=[Optional()])

    # create_user names the team fields "team" and "supervises".
    SERVICE_FIELDS = {"team": "team_id", "supervises": "supervises_id"}

    def field_for(self, service_field: str | None):
        return self._fields.get(self.SERVICE_FIELDS.get(service_field, service_field))


class SetPasswordForm(FlaskForm):
    """A new password, typed twice (the one-time link's page)."""

    password = PasswordField("New password", validators=[DataRequired(), PASSWORD_LENGTH])
    confirm = PasswordField(
        "New password again", validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")]
    )


class ChangePasswordForm(SetPasswordForm):
    current_password = PasswordField("Current password", validators=[DataRequired(), Length(max=MAX_LENGTH)])


class TeamForm(FlaskForm):
    name = StringField("Team name", validators=[DataRequired(), Length(max=200)])


class TeamSupervisorForm(FlaskForm):
    supervisor_id = SelectField("Supervisor", coerce=optional_int, validators=[Optional()])


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change something."""


class CodeForm(FlaskForm):
    """A second factor's code: six digits from the app, or a recovery code."""

    code = StringField("Code", validators=[DataRequired(), Length(max=20)])
