"""Every setting the app reads from the environment is declared once, in config.py, and the README's
settings tables list exactly those."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Read outside config.py, each for a reason: the instance folder is chosen before the config is
# loaded (app.py), and Google's own library reads its credentials variable.
READ_ELSEWHERE = {"INSTANCE_PATH": "app.py", "GOOGLE_APPLICATION_CREDENTIALS": "sheets/google.py"}


def declared() -> set[str]:
    text = (ROOT / "config.py").read_text()
    return set(re.findall(r'os\.environ\.get\("([A-Z0-9_]+)"', text)) | set(re.findall(r'_flag\("([A-Z0-9_]+)"', text))


def documented() -> set[str]:
    names: set[str] = set()
    in_table = False
    for line in (ROOT / "README.md").read_text().splitlines():
        if line.startswith("| variable |"):
            in_table = True
        elif not line.startswith("|"):
            in_table = False
        elif in_table:
            names |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1]))
    return names


def test_the_readme_lists_every_setting_and_only_those():
    settings = declared() | set(READ_ELSEWHERE)
    assert documented() - settings == set(), "in the README but read nowhere"
    assert settings - documented() == set(), "read but not in the README's settings tables"


def test_no_other_module_reads_the_environment():
    readers = {str(path.relative_to(ROOT)) for folder in ("views", "jobs", "sheets", "notify", "procedures", "state",
                                                          "forms")
               for path in (ROOT / folder).rglob("*.py") if "os.environ" in path.read_text()}
    assert readers <= set(READ_ELSEWHERE.values()), readers
