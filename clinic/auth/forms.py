from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from clinic.auth.models import ROLES
from clinic.auth.passwords import MAX_LENGTH, MIN_LENGTH
from clinic.forms import Form, optional_int
from clinic.translation import lazy_gettext as _l

PASSWORD_LENGTH = Length(min=MIN_LENGTH, max=MAX_LENGTH, message=_l("Use %(min)d to %(max)d characters."))

ROLE_LABELS = {"home_visitor": _l("Home visitor"), "supervisor": _l("Supervisor"), "admin": _l("Admin")}


class LoginForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=320)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])


class StaffForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=320)])
    role = SelectField(_l("Role"), choices=[SelectChoice(r, ROLE_LABELS[r]) for r in ROLES])
    team_id = SelectField(_l("Team (home visitors)"), coerce=optional_int, validators=[Optional()])
    supervises_id = SelectField(_l("Supervises team (supervisors)"), coerce=optional_int, validators=[Optional()])

    # create_user names the team fields "team" and "supervises".
    SERVICE_FIELDS = {"team": "team_id", "supervises": "supervises_id"}

    def field_for(self, service_field: str | None):
        return self._fields.get(self.SERVICE_FIELDS.get(service_field, service_field))


class SetPasswordForm(Form):
    """A new password, typed twice (the one-time link's page)."""

    password = PasswordField(_l("New password"), validators=[DataRequired(), PASSWORD_LENGTH])
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


class ChangePasswordForm(SetPasswordForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])


class TeamForm(Form):
    name = StringField(_l("Team name"), validators=[DataRequired(), Length(max=200)])


class TeamSupervisorForm(Form):
    supervisor_id = SelectField(_l("Supervisor"), coerce=optional_int, validators=[Optional()])


class EmptyForm(Form):
    """A form with only the CSRF token, for buttons that change something."""


class CodeForm(Form):
    """A second factor's code: six digits from the app, or a recovery code."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=20)])
