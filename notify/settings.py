"""Mail settings, from the app's config (``config.Config`` reads them from the environment, once)."""
from __future__ import annotations

from typing import Any, Mapping


def setting(config: Mapping[str, Any], name: str, default: Any = None) -> Any:
    """``config[name]`` if set there, else ``default``."""
    value = config.get(name)
    return default if value is None or value == "" else value


def flag(config: Mapping[str, Any], name: str, default: bool) -> bool:
    value = setting(config, name, default)
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")
