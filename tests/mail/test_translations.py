"""Every string of the staff pages and of what families read is translated, with
the same placeholders, and the committed .mo matches its .po.

The strings are extracted the way ``clinic/translations/README.md`` says (babel.cfg,
with ``_l`` for lazy strings), so a string marked but not translated fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from clinic.cases.models import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "clinic" / "translations"
TRANSLATED = [code for code in LANGUAGES if code != "en"]
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_pgettext": ((1, "c"), 2)}


def extracted_msgids() -> set[tuple[str | None, str]]:
    """(context, msgid) of every string babel.cfg's files mark for translation."""
    with open(TRANSLATIONS / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = set()
    for _filename, _lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map=method_map, options_map=options_map, keywords=KEYWORDS
    ):
        found.add((context, message if isinstance(message, str) else message[0]))
    return found


def as_tuple(value) -> tuple:
    """A message's id or string: one text, or the singular and plurals."""
    return (value,) if isinstance(value, str) else tuple(value)


def catalog(language: str):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f)


def test_the_extraction_finds_the_staff_pages_and_the_family_emails():
    msgids = {msgid for _context, msgid in extracted_msgids()}
    assert {"Caseload", "Save screening", "Sign in", "Give a real date (YYYY-MM-DD).", "Stop reminder emails"} <= msgids
    assert len(msgids) > 400


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_marked_string_is_translated(language):
    po = catalog(language)
    missing = []
    for context, msgid in sorted(extracted_msgids(), key=str):
        message = po.get(msgid, context=context)
        if message is None or message.fuzzy or not all(as_tuple(message.string)):
            missing.append(msgid)
    assert missing == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_the_placeholders(language):
    problems = [(message.id, [str(e) for e in errors]) for message, errors in catalog(language).check()]
    assert problems == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_committed_mo_is_compiled_from_the_po(language):
    folder = TRANSLATIONS / language / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as f:
        po = {(m.context, as_tuple(m.id)): as_tuple(m.string) for m in read_po(f) if m.id}
    with open(folder / "messages.mo", "rb") as f:
        mo = {(m.context, as_tuple(m.id)): as_tuple(m.string) for m in read_mo(f) if m.id}
    assert mo == po, "run: .venv/bin/pybabel compile -d clinic/translations"
