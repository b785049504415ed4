"""The one shape of a page that records something on a challenge, on either tab.

Find the challenge and check the signed-in person may see it and take the action (403 otherwise),
build the form, refuse if the challenge is closed, not at a step where that is recorded, or moved
on while the person was on the page, then validate, record, and say what happened. The pages in
``views.challenges`` and ``views.compliance`` give only their form, their cells and their words.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Collection

from flask import abort, flash, redirect, render_template, request, url_for

from forms.steps import WithdrawForm
from notify import notices
from partnership.config import Partnership
from procedures.model import Procedure
from procedures.values import format_date
from sheets.schema import CHALLENGES, COMPLIANCE, WITHDRAWAL_REASON, WITHDRAWN_ON
from views import permissions, records
from views.auth import current_user

# Added to what a page says was recorded, when it was kept for the spreadsheet to take later.
KEPT = " It will be saved in the spreadsheet shortly."


@dataclass(frozen=True)
class Kind:
    """What differs between a challenge's pages and a compliance challenge's."""

    tab: str        # the tab its rows are on
    noun: str       # as a sentence names one
    blueprint: str  # whose ``show`` is its own page

    def procedure(self, partnership: Partnership) -> Procedure:
        return partnership.procedure if self.tab == CHALLENGES else partnership.compliance_procedure

    def page(self, partnership: Partnership, reference: str, endpoint: str = "show"):
        """A redirect to one of its pages (its own page by default)."""
        return redirect(url_for(f"{self.blueprint}.{endpoint}", slug=partnership.slug, reference=reference))


CHALLENGE = Kind(CHALLENGES, "challenge", "challenges")
COMPLIANCE_CHALLENGE = Kind(COMPLIANCE, "compliance challenge", "compliance")


def visible(partnership: Partnership, kind: Kind, reference: str, action: str = "see") -> records.Challenge:
    """The challenge, if the signed-in person may see it and take ``action``: 403 otherwise.

    A challenge nobody of this partnership may see is refused whether or not it exists, so a
    refusal never tells anyone a reference is in use; business support get 404 for one that is not.
    """
    user = current_user()
    challenge = records.find(partnership, kind.tab, reference, kind.procedure(partnership))
    if challenge is None:
        abort(404 if user.is_business_support else 403)
    permissions.require("see", user, partnership, challenge.record)
    permissions.require(action, user, partnership, challenge.record)
    records.refuse_changes_if_needs_correcting(challenge)
    return challenge


def refused(partnership: Partnership, kind: Kind, challenge: records.Challenge, form: Any,
            steps: Collection[int] | None = None, not_here: str = ""):
    """Nothing may be recorded on ``challenge`` now: a redirect to its page saying why; else None.

    Refused: a row that needs correcting, a closed challenge, one not at one of ``steps`` (when
    given; ``not_here`` says why), and one that moved to another step while the person was on the
    form (the form's hidden ``at_step``, set here when the form is shown).
    """
    where = challenge.position
    label = kind.procedure(partnership).step_label.lower()
    if where is None:
        reason = f"This {kind.noun}'s row in the spreadsheet needs correcting before anything more can be recorded"
    elif not where.is_open:
        reason = f"This {kind.noun} is closed: nothing more can be recorded on it"
    elif steps is not None and where.step.number not in steps:
        reason = not_here or f"This {kind.noun} is not at a {label} where that can be recorded"
    else:
        here = str(where.step.number)
        if request.method == "GET":
            form.at_step.data = here
            return None
        if not form.at_step.data or form.at_step.data == here:
            return None
        reason = (f"This {kind.noun} moved to {label} {here} while you were on that page: "
                  "check it before recording anything")
    flash(reason)
    return kind.page(partnership, challenge.reference)


def done(partnership: Partnership, kind: Kind, reference: str, kept: bool, message: str, endpoint: str = "show"):
    """Say what was recorded (and that it waits for the spreadsheet, if it was kept) on the next page."""
    flash(message + (KEPT if kept else ""), "success")
    return kind.page(partnership, reference, endpoint)


def action_page(partnership: Partnership, kind: Kind, reference: str, *, action: str,
                form: Callable[[records.Challenge], Any], record: Callable[[records.Challenge, Any], Any],
                template: str, steps: Callable[[records.Challenge], Collection[int]] | None = None,
                not_here: str = "", **context: Any):
    """A page recording something on a challenge: ``form(challenge)`` builds its form, and once
    it is valid ``record(challenge, form)`` writes it and answers. ``steps(challenge)``, when
    given, are the steps it may be recorded at."""
    challenge = visible(partnership, kind, reference, action)
    built = form(challenge) if challenge.position else None
    stop = refused(partnership, kind, challenge, built, steps(challenge) if steps else None, not_here)
    if stop is not None:
        return stop
    if built.validate_on_submit():
        return record(challenge, built)
    return render_template(template, partnership=partnership, kind=kind, challenge=challenge, form=built,
                           procedure=kind.procedure(partnership), **context), 400 if built.errors else 200


def withdraw(partnership: Partnership, kind: Kind, reference: str):
    """Withdraw a challenge of either kind: the day and the reason; those acting are told."""

    def record(challenge: records.Challenge, form: WithdrawForm):
        values = {WITHDRAWN_ON: format_date(form.withdrawn_on.data), WITHDRAWAL_REASON: form.reason.data}
        kept = records.record_event(partnership, kind.tab, kind.procedure(partnership), challenge, values,
                                    by=current_user().email, action="Withdrawn", step=challenge.position.step.number,
                                    happened_on=form.withdrawn_on.data, tell_kind=notices.WITHDRAWN)
        return done(partnership, kind, challenge.reference, kept, f"{kind.noun.capitalize()} withdrawn.")

    return action_page(partnership, kind, reference, action="withdraw", template="partials/withdraw.html",
                       form=lambda challenge: WithdrawForm(**challenge.since_current_step()), record=record)
