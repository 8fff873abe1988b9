"""Translated text in Python (clinic.translation) and in templates
(clinic.templating.install_gettext): the page's language, a family's language forced
inside a request, escaping as Jinja's "newstyle" gettext does, and dates in each
language. Expected strings are from the Spanish catalogue
(clinic/translations/es) and Babel's "EEE d MMM y"; 6 Dec 2026 is a Sunday."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import pytest
from flask_babel import force_locale

from clinic import translation
from clinic.templating import day_label

SPANISH = {"Accept-Language": "es"}


@contextmanager
def request_in(app, headers=None):
    """A request of its own, as a server gives each (the tests' app context would
    otherwise carry one request's language into the next)."""
    with app.app_context(), app.test_request_context("/", headers=headers or {}):
        yield


def test_a_template_follows_the_page_and_then_the_forced_language(app):
    template = app.jinja_env.from_string("{{ _('Overdue') }}|{{ ngettext('%(num)d month', '%(num)d months', 2) }}")
    with request_in(app, SPANISH):
        assert template.render() == "Atrasados|2 meses"
        with force_locale("en"):  # a family's email rendered during a staff request
            assert template.render() == "Overdue|2 months"
        assert template.render() == "Atrasados|2 meses"
    with request_in(app):
        assert template.render() == "Overdue|2 months"


def test_variables_are_escaped_in_html_and_left_alone_in_plain_text(app):
    html = app.jinja_env.from_string("{{ _('since %(date)s', date=value) }} {{ _('100%%') }}")
    text = app.jinja_env.from_string("{% autoescape false %}{{ _('since %(date)s', date=value) }}{% endautoescape %}")
    with request_in(app):
        assert html.render(value="<b>&") == "since &lt;b&gt;&amp; 100%"
        assert text.render(value="<b>&") == "since <b>&"


def test_a_day_reads_in_the_page_language(app):
    sunday = date(2026, 12, 6)
    with request_in(app):
        assert day_label(sunday) == "Sun 6 Dec 2026"
    with request_in(app, SPANISH):
        assert day_label(sunday) == "dom 6 dic 2026"
        with force_locale("en"):
            assert day_label(sunday) == "Sun 6 Dec 2026"


def test_python_text_follows_the_page_and_then_the_forced_language(app):
    later = translation.lazy_gettext("Overdue")  # made at import time in real code

    def texts():
        return (
            translation.gettext("since %(date)s", date="1/2"),
            translation.ngettext("%(num)d month", "%(num)d months", 1),
            translation.pgettext("email status", "failed"),
            str(later),
            str(translation.lazy_pgettext("email status", "cancelled")),
        )

    with request_in(app, SPANISH):
        assert texts() == ("desde el 1/2", "1 mes", "fallido", "Atrasados", "cancelado")
        with force_locale("en"):
            assert texts() == ("since 1/2", "1 month", "failed", "Overdue", "cancelled")
        assert texts() == ("desde el 1/2", "1 mes", "fallido", "Atrasados", "cancelado")
    with request_in(app):
        assert texts() == ("since 1/2", "1 month", "failed", "Overdue", "cancelled")


def test_python_text_outside_an_app_is_the_english_source():
    from concurrent.futures import ThreadPoolExecutor

    from flask import has_app_context

    def outside():  # a new thread: none of the test's contexts
        return (
            has_app_context(),
            translation.gettext("Overdue"),
            translation.ngettext("%(num)d month", "%(num)d months", 3),
            translation.gettext("100%"),  # no variables: not a format string
        )

    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(outside).result() == (False, "Overdue", "3 months", "100%")


@pytest.fixture
def asked(monkeypatch) -> list[int]:
    """One entry for each time ``clinic.translation`` asks Flask-Babel for the locale."""
    looked_up: list[int] = []
    real_get_locale = translation.get_locale
    monkeypatch.setattr(translation, "get_locale", lambda: looked_up.append(1) or real_get_locale())
    return looked_up


def test_a_page_of_strings_asks_flask_babel_for_the_locale_once(app, asked):
    """The request's catalog is found once, then each string only checks that the
    locale in force is still the same object (a ``force_locale`` makes another)."""
    template = app.jinja_env.from_string("{% for _x in range(200) %}{{ _('Overdue') }}{% endfor %}")
    with request_in(app, SPANISH):
        assert template.render() == "Atrasados" * 200
        assert len(asked) == 1
        with force_locale("en"):
            assert template.render() == "Overdue" * 200
        assert template.render() == "Atrasados" * 200
        assert len(asked) == 3


def test_dates_and_the_page_language_find_the_locale_with_the_strings(app, asked):
    """A list of dates in a language, and ``<html lang>``, take the locale the request's
    strings found: one look-up, and a new one inside ``force_locale``."""
    template = app.jinja_env.from_string("{{ page_language() }}{% for _x in range(100) %}|{{ day_label(on) }}{% endfor %}")
    tuesday = date(2026, 12, 8)
    with request_in(app, SPANISH):
        assert template.render(on=tuesday, day_label=day_label) == "es" + "|mar 8 dic 2026" * 100
        assert len(asked) == 1
        with force_locale("en"):
            assert template.render(on=tuesday, day_label=day_label) == "en" + "|Tue 8 Dec 2026" * 100
        assert len(asked) == 2
