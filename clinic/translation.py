"""Translated text, one path for Python code and templates alike.

Flask-Babel chooses the language (``select_locale``, ``force_locale`` for what a
family reads) and loads the catalogs; these functions find the request's catalog
once per request and language instead of for every string, as Flask-Babel's own
``gettext`` does (the request's context three times over and the locale's name
built as text: ~7 µs against ~3 µs a string, and a worklist page translates some
200 strings in Python and 700 in its templates).

Same signatures and results as Flask-Babel's: ``variables`` fill ``%(name)s``, and
``num`` is always given to the plural forms.
"""

from __future__ import annotations

from babel import Locale
from babel.support import NullTranslations
from flask import g, has_app_context
from flask_babel import get_locale, get_translations
from flask_babel.speaklater import LazyString


def translations() -> NullTranslations:
    """The catalog of the language in force."""
    return _in_force()[1]


def current_locale() -> Locale | None:
    """The language in force, as Flask-Babel's ``get_locale`` (None outside an app
    context), at the cost of the catalog's look-up below."""
    return _in_force()[0]


def _in_force() -> tuple[Locale | None, NullTranslations]:
    """The locale and catalog in force, kept in ``g`` per request and per locale
    object, so ``force_locale`` inside a request gets its own.

    A page asks for them hundreds of times; after the first, it costs one look at the
    locale Flask-Babel keeps for the request (``g._flask_babel.babel_locale``) rather
    than ``get_locale``'s three passes through ``g``. Were that detail of
    Flask-Babel's to change, every string takes the slow path, with the same text.
    """
    if not has_app_context():  # Flask-Babel's untranslated text
        return None, get_translations()
    state = g._get_current_object().__dict__
    cached = state.get("_translations")
    if cached is not None and cached[0] is getattr(state.get("_flask_babel"), "babel_locale", None):
        return cached
    state["_translations"] = cached = (get_locale(), get_translations())
    return cached


def gettext(string: str, /, **variables) -> str:
    text = translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, /, **variables) -> str:
    variables.setdefault("num", num)
    return translations().ungettext(singular, plural, num) % variables


def pgettext(context: str, string: str, /, **variables) -> str:
    text = translations().upgettext(context, string)
    return text % variables if variables else text


def npgettext(context: str, singular: str, plural: str, num: int, /, **variables) -> str:
    variables.setdefault("num", num)
    return translations().unpgettext(context, singular, plural, num) % variables


def lazy_gettext(string: str, /, **variables) -> LazyString:
    """Translated when used (form labels and other module-level text)."""
    return LazyString(gettext, string, **variables)


def lazy_pgettext(context: str, string: str, /, **variables) -> LazyString:
    return LazyString(pgettext, context, string, **variables)
