"""requirements.lock pins, with hashes, every package pyproject.toml asks for, so that `make install`
(which installs the lock with --require-hashes) gives a fresh machine exactly what was tested."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")


def locked() -> dict[str, tuple[Version, int]]:
    """Package name -> (pinned version, how many hashes)."""
    pins: dict[str, tuple[Version, int]] = {}
    name = None
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        found = PIN.match(line)
        if found:
            name = canonicalize_name(found.group(1))
            pins[name] = (Version(found.group(2)), 0)
        elif name and "--hash=sha256:" in line:
            version, hashes = pins[name]
            pins[name] = (version, hashes + 1)
    return pins


def test_every_dependency_is_pinned_with_hashes_in_the_lock():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wanted = [*project["project"]["dependencies"], *project["project"]["optional-dependencies"]["test"],
              *project["build-system"]["requires"]]
    pins = locked()
    for text in wanted:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is in pyproject.toml but not in requirements.lock: run `make lock`"
        version, hashes = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), \
            f"requirements.lock pins {name}=={version}, outside {requirement}: run `make lock`"
        assert hashes >= 1, f"{name} has no hash in requirements.lock"


def test_every_pin_in_the_lock_has_a_hash():
    pins = locked()
    assert len(pins) > 20
    assert [name for name, (_, hashes) in pins.items() if hashes == 0] == []
