"""What families read is translated, and the committed .mo matches its .po."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from clinic.cases.models import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "clinic" / "translations"
TRANSLATED = [code for code in LANGUAGES if code != "en"]


def family_facing_msgids() -> set[str]:
    """The strings of the templates listed in babel.cfg (reminders, unsubscribe pages)."""
    method_map = []
    with open(TRANSLATIONS / "babel.cfg") as config:
        for line in config:
            if line.startswith("[jinja2: "):
                method_map.append((line.strip()[len("[jinja2: ") : -1], "jinja2"))
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(str(ROOT), method_map=method_map):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_family_facing_string_is_translated(language):
    msgids = family_facing_msgids()
    assert len(msgids) >= 10
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f)
    missing = sorted(m for m in msgids if not (catalog.get(m) and catalog.get(m).string))
    assert missing == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_committed_mo_is_compiled_from_the_po(language):
    folder = TRANSLATIONS / language / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as f:
        po = {m.id: m.string for m in read_po(f) if m.id}
    with open(folder / "messages.mo", "rb") as f:
        mo = {m.id: m.string for m in read_mo(f) if m.id}
    assert mo == po, "run: .venv/bin/pybabel compile -d clinic/translations"
