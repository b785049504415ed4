"""The README prints the permission table and who each shipped procedure tells, as the code has them."""
from __future__ import annotations

from pathlib import Path

from partnership.config import library_slugs, load_library_procedure
from procedures.people import PERMISSIONS, permission_table, who_is_told

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_the_readme_prints_the_permission_table_the_pages_use():
    assert permission_table() in README
    assert len(permission_table().splitlines()) == len(PERMISSIONS) + 2


def test_the_readme_says_who_each_shipped_procedure_tells():
    for slug in library_slugs():
        assert who_is_told(load_library_procedure(slug)) in README, slug
