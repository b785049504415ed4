"""Mail settings: the app's config first, then the environment, then a default."""
from __future__ import annotations

import os
from typing import Any, Mapping


def setting(config: Mapping[str, Any], name: str, default: Any = None) -> Any:
    """``config[name]`` if set there, else the environment variable ``name``, else ``default``."""
    value = config.get(name)
    if value is None or value == "":
        value = os.environ.get(name)
    return default if value is None or value == "" else value


def flag(config: Mapping[str, Any], name: str, default: bool) -> bool:
    value = setting(config, name, default)
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")
