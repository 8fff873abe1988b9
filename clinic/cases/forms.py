"""Forms of the case pages: family, caregiver, child, reassignment.

The forms check shape (required, lengths, dates that exist, ranges); the services
check the rules (scope, dates not in the future). A :class:`ServiceError` is shown
beside the field it names with :func:`clinic.forms.show_service_errors`.
"""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms import Form as NestedForm
from wtforms.fields import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Email, InputRequired, Length, NumberRange, Optional

from clinic.cases.models import FAMILY_STATUSES, LANGUAGES
from clinic.forms import NAME_MAX, NOTE_MAX, Form, optional_int
from clinic.templating import language_label
from clinic.translation import lazy_gettext as _l


class _CaregiverFields:
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=NAME_MAX)])
    relationship = StringField(_l("Relationship to the children"), validators=[DataRequired(), Length(max=100)])
    email = EmailField(_l("Email"), validators=[Optional(), Email(), Length(max=320)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=50)])
    is_primary = BooleanField(_l("Primary caregiver"))
    email_opt_in = BooleanField(_l("Agrees to reminder emails"))

    def service_values(self) -> dict:
        return {
            "name": self.name.data,
            "relationship": self.relationship.data,
            "email": (self.email.data or "").strip() or None,
            "phone": (self.phone.data or "").strip() or None,
            "is_primary": self.is_primary.data,
            "email_opt_in": self.email_opt_in.data,
        }


class CaregiverForm(_CaregiverFields, Form):
    pass


class FirstCaregiverForm(_CaregiverFields, NestedForm):
    """The optional first caregiver on the new-family form: checked only when filled."""

    is_primary = BooleanField(_l("Primary caregiver"), default=True)

    def is_blank(self) -> bool:
        return not any((self[name].data or "").strip() for name in ("name", "relationship", "email", "phone"))

    def validate(self, extra_validators=None) -> bool:
        return self.is_blank() or super().validate(extra_validators)


class FamilyForm(Form):
    name = StringField(_l("Family name"), validators=[DataRequired(), Length(max=NAME_MAX)])
    language = SelectField(_l("Preferred language"), choices=list(LANGUAGES), default="en")
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=500)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each language named in the page's language, which is known only per request.
        self.language.choices = [SelectChoice(code, language_label(code)) for code in LANGUAGES]

    def service_values(self) -> dict:
        return {"name": self.name.data, "language": self.language.data, "address": self.address.data or None}


class NewFamilyForm(FamilyForm):
    """Visitor choices come from ``permissions.assignable_visitors``."""

    # Optional here: a home visitor's family is their own, and for everyone else
    # create_family refuses a missing visitor beside this field.
    assigned_visitor_id = SelectField(_l("Home visitor"), coerce=optional_int, validators=[Optional()])
    caregiver = FormField(FirstCaregiverForm, label=_l("First caregiver (optional)"))

    def field_for(self, service_field: str | None):
        # create_family names a caregiver's field "caregivers.<index>.<field>".
        if service_field and service_field.startswith("caregivers.0."):
            return self.caregiver.form._fields.get(service_field.removeprefix("caregivers.0."))
        return self._fields.get(service_field)

    def caregivers(self) -> list[dict]:
        return [] if self.caregiver.form.is_blank() else [self.caregiver.form.service_values()]


class FamilyStatusForm(Form):
    status = HiddenField(validators=[AnyOf(FAMILY_STATUSES)])


class ReassignForm(Form):
    assigned_visitor_id = SelectField(_l("New home visitor"), coerce=optional_int, validators=[DataRequired()])
    note = TextAreaField(
        _l("Note for the history (required when the family moves to another team)"),
        validators=[Optional(), Length(max=NOTE_MAX)],
    )


class ChildForm(Form):
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=NAME_MAX)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=NAME_MAX)])
    # InputRequired, not DataRequired: DataRequired would replace the "not a real
    # date" message (2024-02-30) with "This field is required."
    date_of_birth = DateField(
        _l("Date of birth"), validators=[InputRequired()], invalid_value_message=_l("Give a real date (YYYY-MM-DD).")
    )
    gestational_age_weeks = IntegerField(
        _l("Gestational age at birth (weeks)"), validators=[Optional(), NumberRange(min=20, max=45)]
    )

    def service_values(self) -> dict:
        return {
            "first_name": self.first_name.data,
            "last_name": self.last_name.data,
            "date_of_birth": self.date_of_birth.data,
            "gestational_age_weeks": self.gestational_age_weeks.data,
        }
