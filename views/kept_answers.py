"""A form sent after its session ended: the answers are kept while the person signs in again.

The answers are kept in the state store (so any instance finds them), tied to the address that
was signed in and to the form's page, for a day at most, under a random id carried through
sign-in in the page address (``?kept=<id>``). Once signed in again as the same person, the form
is shown filled in with them, to check and send with one click; the kept copy is then deleted.
``keep`` and ``take`` are the whole interface.
"""
from __future__ import annotations

import secrets
import time
from typing import Any, Iterable, Mapping

from werkzeug.datastructures import MultiDict

from state import store_for

KEEP_SECONDS = 24 * 3600
# Far more than any form holds (a few long answers of 5,000 characters): anything bigger is not kept.
MOST_CHARACTERS = 200_000
NOT_ANSWERS = frozenset({"csrf_token"})
# Kept beside the sessions in the store, which gives them an expiry and a delete.
PREFIX = "kept-answers:"


def keep(config: Mapping[str, Any], email: str, path: str, answers: Iterable[tuple[str, str]],
         now: float | None = None) -> str | None:
    """Keep a form's answers for ``email`` to find again at ``path``; returns the id, or None if too big."""
    pairs = [(k, v) for k, v in answers if k not in NOT_ANSWERS]
    if sum(len(k) + len(v) for k, v in pairs) > MOST_CHARACTERS:
        return None
    kept_id = secrets.token_urlsafe(24)
    data = {"email": email.lower(), "path": path, "answers": pairs, "at": time.time() if now is None else now}
    store_for(config).save_session(PREFIX + kept_id, data, KEEP_SECONDS, None)
    return kept_id


def take(config: Mapping[str, Any], kept_id: str, email: str, path: str, now: float | None = None) -> MultiDict | None:
    """The answers kept under ``kept_id`` if they are ``email``'s for ``path`` and not too old; used once."""
    if not kept_id or len(kept_id) > 64:
        return None
    store = store_for(config)
    data = store.load_session(PREFIX + kept_id)
    now = time.time() if now is None else now
    if not data or data.get("email") != email.lower() or data.get("path") != path \
            or now - data.get("at", 0) > KEEP_SECONDS:
        return None
    store.delete_session(PREFIX + kept_id)
    return MultiDict([(str(k), str(v)) for k, v in data.get("answers", [])])
