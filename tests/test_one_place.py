"""Things the app finds in one place only, so the next change to them is made once."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_CODE = ["app.py", "config.py", *(f"{p}/**/*.py" for p in (
    "forms", "jobs", "notify", "partnership", "procedures", "reports", "sheets", "state", "views"))]


def app_files() -> list[Path]:
    return sorted({path for pattern in APP_CODE for path in ROOT.glob(pattern)})


def test_the_partnerships_are_read_through_one_accessor():
    """``partnership.partnerships_of(app)`` is the one way to the app's partnerships."""
    reads = re.compile(r"""extensions\s*(\[\s*["']partnerships["']|\.get\(\s*["']partnerships["'])""")
    found = [f"{path.relative_to(ROOT)}:{n}" for path in app_files()
             for n, line in enumerate(path.read_text().splitlines(), 1)
             if reads.search(line) and path != ROOT / "partnership" / "__init__.py"]
    assert found == []


def test_the_lists_tab_has_one_cache():
    """Pages take the Lists tab from ``views.lists_cache`` only: no other view reads the tab (the
    readiness check reads it to see the sheet answer). A Google sheet's Lists tab comes in the
    pages' one read of the sheet, which lists_cache reads it from."""
    from sheets.google import PAGE_TABS
    from sheets.schema import LISTS, SUMMARY

    assert LISTS in PAGE_TABS and SUMMARY not in PAGE_TABS
    readers = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "views").glob("*.py")
                     if re.search(r"\bLISTS\b", path.read_text()))
    assert readers == ["views/dashboard.py", "views/health.py", "views/lists_cache.py"]
