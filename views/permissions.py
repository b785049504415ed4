"""The one place pages ask whether the signed-in person may do something to a challenge.

The table itself is ``procedures.people.PERMISSIONS``; this module works out who the signed-in
person is to a challenge row and answers 403 with a plain page when they may not. Nothing is
written before ``require`` has passed.
"""
from __future__ import annotations

from flask import abort

from partnership.config import Partnership
from procedures.people import allowed as allowed_for, may, may_raise, relations
from sheets.base import Record
from sheets.rows import People, people_on
from views.auth import User


def people(partnership: Partnership, record: Record) -> People:
    """The challenge's people by name (raiser, challenged, line managers...), from its row."""
    return people_on(record, business_support=partnership.email.business_support,
                     partnership_manager=partnership.email.partnership_manager)


def relations_to(user: User, partnership: Partnership, record: Record) -> frozenset[str]:
    """What ``user`` is to this challenge: raiser, challenged, named, business support, response link."""
    return relations(user.email, role=user.role, reference=record.reference, link_reference=user.reference,
                     people=people(partnership, record).addresses)


def allowed(user: User, partnership: Partnership, record: Record) -> frozenset[str]:
    """The actions the table allows ``user`` on this challenge (what its page offers)."""
    held = relations_to(user, partnership, record)
    return allowed_for(held)


def require(action: str, user: User, partnership: Partnership, record: Record) -> frozenset[str]:
    """403 unless the table lets ``user`` take ``action`` on this challenge; their relations if it does."""
    held = relations_to(user, partnership, record)
    if not may(action, held):
        abort(403)
    return held


def require_raise(user: User) -> None:
    """Raising is for staff of the partnership's allowed domains and business support, not a response link."""
    if not may_raise(user.role):
        abort(403)
