"""What every HTML form of the app shares: limits, coercions, showing refusals."""

from __future__ import annotations

from flask import render_template, request
from flask_wtf import FlaskForm
from wtforms import FormField, TextAreaField

from clinic import text
from clinic.errors import ServiceError
from clinic.extensions import db

NAME_MAX = 200
NOTE_MAX = 5000


class Form(FlaskForm):
    """The base of every form of the app.

    Besides its fields' own checks, every submitted input (the form's fields and the
    inputs a page adds by name, like a checklist's answers) goes through
    :mod:`clinic.text`: a control character, or a line break outside a text area,
    refuses the form with the error beside the field (above the form for an input
    that is not a field), and the user's typing is shown again.
    """

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return self._refuse_control_characters() and valid

    def _refuse_control_characters(self) -> bool:
        fields = {field.name: field for field in _leaf_fields(self)}
        clean = True
        for name in request.form:
            field = fields.get(name)
            multiline = isinstance(field, TextAreaField)
            message = text.problem(name) or next(
                filter(None, (text.problem(value, multiline=multiline) for value in request.form.getlist(name))),
                None,
            )
            if message is None:
                continue
            clean = False
            if field is not None:
                field.errors = [*field.errors, message]
            elif message not in self.form_errors:
                self.form_errors.append(message)
        return clean


def _leaf_fields(form):
    for field in form:
        if isinstance(field, FormField):
            yield from _leaf_fields(field.form)
        else:
            yield field


def optional_int(value) -> int | None:
    """Coerce a select's value; the empty choice means "none"."""
    if value in (None, ""):
        return None
    return int(value)


MAX_ID = 2**31 - 1


def query_int(name: str, default: int | None = None) -> int | None:
    """A positive whole number from the query string; anything else is ignored.

    Bounded like the id columns, so a hand-typed huge number cannot overflow SQL.
    """
    value = request.args.get(name, type=int)
    return value if value is not None and 1 <= value <= MAX_ID else default


def optional_text(value: str | None) -> str | None:
    return (value or "").strip() or None


def show_service_errors(form: FlaskForm, exc: ServiceError, **groups) -> None:
    """Place each error of a refusal beside its field.

    ``<group>.<key>`` goes on a row of a group of inputs (``groups`` maps a prefix to
    an object with an ``errors`` dict, e.g. the answers of a screening); a form
    field's name goes beside that field (a form with nested forms maps names with a
    ``field_for(name)`` method); anything else above the form.
    """
    for field, message in (exc.fields or {None: exc.message}).items():
        prefix, _, key = (field or "").partition(".")
        if key and prefix in groups:
            groups[prefix].errors[key] = message
            continue
        target = _field_named(form, field)
        if target is not None:
            target.errors.append(message)
        else:
            form.form_errors.append(message)


def _field_named(form: FlaskForm, name: str | None):
    if not name:
        return None
    lookup = getattr(form, "field_for", None)
    return lookup(name) if lookup else form._fields.get(name)


def form_page(template: str, form: FlaskForm, **context):
    """A form page: 200 when first shown, 422 when a submission was refused."""
    return render_template(template, form=form, **context), 422 if form.is_submitted() else 200


def refused(template: str, form: FlaskForm, exc: ServiceError, **context):
    """The form again, with the service's refusal beside its fields, and 422.

    What the service flushed before refusing is dropped first, so rendering the
    page cannot write half of the change.
    """
    db.session.rollback()
    show_service_errors(form, exc, **{group.prefix: group for group in context.get("groups", ())})
    return render_template(template, form=form, **context), 422
