"""Issue 13, point 4: no text in an email under 14 px (the unsubscribe footer was 13)."""

from __future__ import annotations

import re
from pathlib import Path

import clinic

MAIL_TEMPLATES = Path(clinic.__file__).parent / "mail" / "templates" / "mail"


def test_no_email_sets_text_under_14_px():
    sizes = {
        f"{path.name}: {size}px"
        for path in MAIL_TEMPLATES.glob("*.html")
        for size in map(int, re.findall(r"font-size:\s*(\d+)px", path.read_text(encoding="utf-8")))
        if size < 14
    }
    assert sizes == set()
    assert "font-size: 14px" in (MAIL_TEMPLATES / "follow_up_reminder.html").read_text(encoding="utf-8")
