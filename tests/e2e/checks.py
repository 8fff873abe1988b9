"""What every page must be on a tablet and a phone, checked in the browser.

- axe-core (vendored: ``vendor/axe.min.js``, the npm package ``axe-core``, MPL-2.0)
  finds no serious or critical violation. It is evaluated through the DevTools
  protocol, which the pages' Content-Security-Policy (``script-src 'self'``) does
  not govern, so no inline script is needed.
- Nothing scrolls sideways; text is at least 14 px; the top navigation and the links
  in tables are at least 44 px tall; a skip link leads to the content.
- A screenshot of each step goes to ``screenshots/<size>/`` (git-ignored).
"""

from __future__ import annotations

import re
from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SCREENSHOTS = Path(__file__).parent / "screenshots"
MIN_TAP_PX = 44
MIN_TEXT_PX = 14


def axe_violations(page) -> list[dict]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > width + 1 && getComputedStyle(el).position !== 'absolute')
    .filter(el => !el.closest('.visually-hidden, .skip-link'))
    .filter(el => {  // inside a box that scrolls on its own (a wide table), it is that box's
      for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
        if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(up).overflowX)) return false;
      }
      return true;
    })
    .slice(0, 5).map(el => el.tagName + '.' + el.className);
}"""

SMALL_TEXT = """(min) => {
  const small = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || !el || el.closest('.visually-hidden, .skip-link, title, desc, style, script')) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden' || el.offsetParent === null && !el.closest('svg')) continue;
    // SVG text is drawn at its font size times the drawing's scale on screen.
    const scale = el.closest('svg') ? el.getScreenCTM().a : 1;
    if (parseFloat(style.fontSize) * scale < min - 0.05) small.push(el.tagName + '.' + el.className + ': ' + node.textContent.trim().slice(0, 30));
  }
  return small.slice(0, 5);
}"""

SMALL_TARGETS = """(min) => [...document.querySelectorAll('.topbar a, .topbar button, table a, table button')]
  .filter(el => el.offsetParent !== null)
  .map(el => [el, el.getBoundingClientRect()])
  .filter(([el, box]) => box.height < min - 0.5)
  .slice(0, 5).map(([el, box]) => el.tagName + ' ' + el.textContent.trim().slice(0, 30) + ' ' + box.height)"""


def check_page(page, name: str) -> None:
    """Every check of the module on the page as it is now, and its screenshot."""
    folder = SCREENSHOTS / getattr(page, "size", "tablet")
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{re.sub(r'[^a-z0-9]+', '-', name.lower())}.png"), full_page=True)
    problems = {
        "axe": axe_violations(page),
        "scrolls sideways": [] if page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        ) else page.evaluate(OVERFLOWING) or ["(the page)"],
        "text under 14 px": page.evaluate(SMALL_TEXT, MIN_TEXT_PX),
        "tap targets under 44 px": page.evaluate(SMALL_TARGETS, MIN_TAP_PX),
        "no skip link": [] if page.locator("a.skip-link[href='#content']").count() == 1
        and page.locator("#content").count() == 1 else ["missing"],
    }
    problems = {kind: found for kind, found in problems.items() if found}
    assert not problems, f"{name} at {getattr(page, 'size', 'tablet')}: {problems}"
