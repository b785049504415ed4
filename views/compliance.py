"""A compliance challenge (Durham's IRO form): the form, the line manager's response link, later stages.

Driven by the partnership's compliance procedure, not by one procedure's numbers: the form is
sent at the procedure's first recorded stage (``starts_at``), whose people who act are sent a
response link; the stages after it record a meeting; the last stage is escalation. Who may do
what is the one permission table (``views.permissions``).
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm

from forms.compliance import (
    ComplianceChallengeForm, EscalationForm, LineManagerResponseForm, StageDecisionForm, StageMeetingForm,
)
from notify import Email, notices
from notify import messages as mail
from procedures import ChallengeDates, position
from partnership.config import Partnership
from procedures.model import Procedure
from procedures.people import addresses
from procedures.values import format_date
from sheets.base import Record
from sheets.schema import (
    COMPLIANCE, ESCALATED, MOVED_ON, PERSON_COLUMNS, RAISED_ON, REFERENCE, RESOLVED_ON, STEP, STEP_STARTED,
    ComplianceTab, stage_columns,
)
from views import formatting
from views import permissions, records, response_entry, steps
from views.auth import current_user, login_required
from views.partnership import get_partnership
from views.response_link import ResponseLink, last_day, make_token

bp = Blueprint("compliance", __name__, url_prefix="/<slug>/compliance")

# Every column naming a person on a compliance challenge.
EMAIL_COLUMNS = tuple(dict.fromkeys(PERSON_COLUMNS[COMPLIANCE].values()))

records.reads_the_sheet(bp)
KIND = steps.COMPLIANCE_CHALLENGE


def _partnership(slug: str) -> tuple[Partnership, Procedure]:
    """The partnership and its compliance procedure; 404 when it does not run one."""
    partnership = get_partnership(slug)
    if partnership.compliance_procedure is None:
        abort(404)
    return partnership, partnership.compliance_procedure


def first_stage(procedure: Procedure) -> int:
    """The stage the form is sent at, whose people who act respond through their link."""
    return procedure.starts_at


def last_stage(procedure: Procedure) -> int:
    """The stage a compliance challenge is escalated to when the meetings do not resolve it."""
    return len(procedure.steps)


def meeting_stages(procedure: Procedure) -> tuple[int, ...]:
    return tuple(range(first_stage(procedure) + 1, last_stage(procedure)))


def columns(procedure: Procedure, stage: int) -> dict[str, str]:
    return stage_columns(COMPLIANCE, stage, first_stage(procedure))


def _response_email(partnership: Partnership, reference: str, line_manager_email: str, today: dt.date,
                    stage_started: dt.date | None = None) -> Email:
    """The line manager's email: the reference, the deadline and the signed link; no case detail.

    The link's last day is counted from the day the stage started, however often it is sent again."""
    procedure = partnership.compliance_procedure
    stage = procedure.step(first_stage(procedure))
    started = stage_started or today
    where = position(procedure, partnership.calendar,
                     ChallengeDates(raised_on=started, step=stage.number, step_started=started), today)
    token = make_token(current_app.config["SECRET_KEY"], ResponseLink(
        partnership.slug, reference, line_manager_email.lower(),
        last_day(procedure, partnership.calendar, stage.number, started)))
    link = current_app.config["BASE_URL"] + url_for("compliance.respond", slug=partnership.slug,
                                                    reference=reference, token=token)
    return mail.response_needed(partnership, reference, stage, where.conclude_by, line_manager_email, link)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new(slug: str):
    partnership, procedure = _partnership(slug)
    user = current_user()
    permissions.require_raise(user)
    form = ComplianceChallengeForm(agencies=records.lists(partnership).agencies, on_behalf=user.is_business_support)
    if form.validate_on_submit():
        today = formatting.today()
        # The IRO is the signed-in person; business support may send the form on an IRO's behalf.
        iro = form.iro_email.data if user.is_business_support else user.email
        stage = first_stage(procedure)
        row = {
            RAISED_ON: format_date(today),
            ComplianceTab.FAMILY_REFERENCE: form.family_reference.data,
            ComplianceTab.IRO: form.iro.data,
            ComplianceTab.IRO_EMAIL: iro,
            ComplianceTab.PROFESSIONAL: form.professional.data,
            ComplianceTab.PROFESSIONAL_AGENCY: form.professional_agency.data,
            ComplianceTab.PROFESSIONAL_EMAIL: form.professional_email.data or "",
            ComplianceTab.LINE_MANAGER: form.line_manager.data,
            ComplianceTab.LINE_MANAGER_EMAIL: form.line_manager_email.data,
            ComplianceTab.SAFEGUARDING_LEAD: form.safeguarding_lead.data,
            ComplianceTab.SAFEGUARDING_LEAD_EMAIL: form.safeguarding_lead_email.data or "",
            ComplianceTab.IDENTIFIED_ISSUE: "; ".join(form.issues.data),
            ComplianceTab.CONCERN: form.concern.data,
            STEP: str(stage),
            STEP_STARTED: format_date(today),
        }
        details = f"Sent by business support on behalf of {iro}" if iro.lower() != user.email else ""
        saved = records.save_new(
            partnership, COMPLIANCE, row, submission_id=form.submission_id.data, by=user.email, action="Sent",
            email_for=lambda ref: _response_email(partnership, ref, form.line_manager_email.data, today),
            details=details)
        if not saved.pending and not saved.repeated:
            # Seed 004 5.5: the business manager gets a copy of every form when it is sent.
            records.tell(partnership, COMPLIANCE, procedure, Record(COMPLIANCE, 0, {**row, REFERENCE: saved.reference}),
                         [notices.RAISED, notices.COMPLIANCE_COPY], today)
        where = position(procedure, partnership.calendar,
                         ChallengeDates(raised_on=today, step=stage, step_started=today), today)
        session["compliance_sent"] = {"reference": saved.reference, "pending": saved.pending,
                                      "email_failed": saved.email_failed,
                                      "conclude_by": format_date(where.conclude_by)}
        return redirect(url_for("compliance.sent", slug=slug))
    return render_template("compliance/new.html", partnership=partnership, form=form), 400 if form.errors else 200


@bp.get("/sent")
@login_required
def sent(slug: str):
    partnership, _ = _partnership(slug)
    done = session.get("compliance_sent")
    if not done:
        return redirect(url_for("compliance.new", slug=slug))
    conclude_by = dt.date.fromisoformat(done["conclude_by"]) if done.get("conclude_by") else None
    return render_template("compliance/sent.html", partnership=partnership, done=done, conclude_by=conclude_by)


def _responded(procedure: Procedure, challenge: records.Challenge) -> bool:
    return bool(challenge.record[columns(procedure, first_stage(procedure))["record"]].strip())


@bp.get("/<reference>")
@login_required
def show(slug: str, reference: str):
    partnership, procedure = _partnership(slug)
    challenge = steps.visible(partnership, KIND, reference)
    user = current_user()
    stages = [(s, columns(procedure, s.number)) for s in procedure.steps if s.number >= first_stage(procedure)]
    return render_template("compliance/show.html", partnership=partnership, kind=KIND, challenge=challenge,
                           procedure=procedure, user=user, resend_form=FlaskForm(),
                           allowed=permissions.allowed(user, partnership, challenge.record),
                           first_stage=first_stage(procedure), last_stage=last_stage(procedure),
                           meeting_stages=meeting_stages(procedure), responded=_responded(procedure, challenge),
                           stages=stages)


@bp.route("/<reference>/respond/<token>", methods=["GET", "POST"])
def respond(slug: str, reference: str, token: str):
    """The first stage: the line manager arrives from the emailed link, selects its button to be
    signed in for this challenge only (see views.response_entry), and records their response
    (the IRO then decides what comes of it)."""
    partnership, procedure = _partnership(slug)
    stage = first_stage(procedure)
    challenge: records.Challenge | None = None

    def waiting() -> bool:  # read only once the link itself is known to be good
        nonlocal challenge
        challenge = records.find(partnership, COMPLIANCE, reference, procedure)
        if challenge is None:
            abort(404)
        return challenge.is_open and challenge.position.step.number == stage and not _responded(procedure, challenge)

    link, elsewhere = response_entry.enter(partnership, reference, token, waiting)
    if elsewhere is not None:
        return elsewhere
    form = LineManagerResponseForm()
    if request.method == "GET":
        form.at_step.data = str(stage)
    if form.validate_on_submit():
        today = formatting.today()
        own = columns(procedure, stage)
        values = {own["record"]: form.response.data, own["responded_on"]: format_date(today)}
        kept = records.change(partnership, COMPLIANCE, reference, values, by=link.email,
                              action="Line manager responded", step=stage, happened_on=today)
        _tell_responded(partnership, procedure, challenge, reference)
        return response_entry.finish(partnership, link, "Thank you: your response is recorded. The Independent "
                                     "Reviewing Officer will decide whether it resolves the issue."
                                     + (steps.KEPT if kept else ""))
    return render_template("compliance/respond.html", partnership=partnership, challenge=challenge, form=form,
                           procedure=procedure), 400 if form.errors else 200


def _tell_responded(partnership: Partnership, procedure: Procedure, challenge: records.Challenge,
                    reference: str) -> None:
    """The people the stage names as told (the IRO) hear at once that the line manager responded."""
    people = permissions.people(partnership, challenge.record).addresses
    page = current_app.config["BASE_URL"] + url_for("compliance.show", slug=partnership.slug, reference=reference)
    told = [p for p in procedure.step(first_stage(procedure)).told if p != "partnership_manager"] or ["raiser"]
    for to in addresses(told, people):
        records.send(partnership, mail.responded(partnership, reference, to, page))


def _conclude(partnership: Partnership, procedure: Procedure, challenge: records.Challenge, stage: int,
              values: dict[str, str], resolved: bool, on: dt.date) -> str:
    """Conclude ``stage``: resolved, or on to the next stage. Returns where it went, for the message."""
    values[columns(procedure, stage)["concluded_on"]] = format_date(on)
    if resolved:
        values.update({RESOLVED_ON: format_date(on), ComplianceTab.OUTCOME: f"Resolved at stage {stage}"})
        return "resolved"
    if stage + 1 < last_stage(procedure):
        values.update({STEP: str(stage + 1), STEP_STARTED: format_date(on)})
        return f"stage {stage + 1}"
    return "escalation"


def _record_stage(partnership: Partnership, procedure: Procedure, challenge: records.Challenge,
                  values: dict[str, str], went: str, stage: int, on: dt.date, action: str, what: str):
    """Write a stage's outcome (resolved, on to the next stage, or on to escalation), tell the
    people it names, and say what happened."""
    moved = went.startswith("stage")
    kept = records.record_event(partnership, COMPLIANCE, procedure, challenge, values, by=current_user().email,
                                action=MOVED_ON if moved else action, step=stage + 1 if moved else stage,
                                details=action if moved else "", happened_on=on,
                                tell_kind=notices.RESOLVED if went == "resolved" else
                                notices.ESCALATED if moved else None)
    if went == "escalation":
        return steps.done(partnership, KIND, challenge.reference, kept,
                          f"{what} saved. Now give the reasons for escalation.", "escalate")
    return steps.done(partnership, KIND, challenge.reference, kept, f"{what} saved. The challenge is resolved."
                      if went == "resolved" else f"{what} saved. The challenge moves to {went}.")


@bp.route("/<reference>/decide", methods=["GET", "POST"])
@login_required
def decide(slug: str, reference: str):
    """The first stage's outcome, once the line manager has responded: resolved, or on to the next stage."""
    return _stage_outcome(slug, reference, StageDecisionForm, lambda procedure: (first_stage(procedure),),
                          "compliance/decide.html", lambda form, own, stage: (
                              {}, form.decided_on.data, f"Stage {stage} outcome", "Outcome"))  # not a column


@bp.route("/<reference>/meeting", methods=["GET", "POST"])
@login_required
def meeting(slug: str, reference: str):
    """A meeting stage: the meeting, its record, and whether it resolved the issue."""
    return _stage_outcome(slug, reference, StageMeetingForm, meeting_stages, "compliance/meeting.html",
                          lambda form, own, stage: (
                              {own["met_on"]: format_date(form.meeting_on.data), own["record"]: form.record.data},
                              form.meeting_on.data, f"Stage {stage} meeting", "Meeting"))


def _stage_outcome(slug: str, reference: str, form_class: type, stages: Callable[[Procedure], tuple[int, ...]],
                   template: str, entry: Callable[[Any, dict[str, str], int], tuple[dict[str, str], Any, str, str]]):
    """A stage's outcome page: resolved (by whoever may resolve), or on to the next stage.
    ``entry(form, the stage's columns, stage)`` gives the cells to write, the day, the History
    action and the flash's first word."""
    partnership, procedure = _partnership(slug)

    def record(challenge: records.Challenge, form):
        stage = challenge.position.step.number
        resolved = form.outcome.data == "resolved"
        if resolved:
            permissions.require("resolve", current_user(), partnership, challenge.record)
        values, day, action, what = entry(form, columns(procedure, stage), stage)
        went = _conclude(partnership, procedure, challenge, stage, values, resolved, day)
        return _record_stage(partnership, procedure, challenge, values, went, stage, day, action, what)

    return steps.action_page(partnership, KIND, reference, action="record", template=template, record=record,
                             form=lambda c: form_class(**c.since_current_step()), steps=lambda c: stages(procedure))


@bp.route("/<reference>/escalate", methods=["GET", "POST"])
@login_required
def escalate(slug: str, reference: str):
    """The last stage: escalation to the partnership's executive, with the reasons."""
    partnership, procedure = _partnership(slug)
    last = last_stage(procedure)

    def record(challenge: records.Challenge, form: EscalationForm):
        on = format_date(form.escalated_on.data)
        own = columns(procedure, last)
        values = {STEP: str(last), STEP_STARTED: on, own["escalated_on"]: on, own["reasons"]: form.reasons.data}
        kept = records.record_event(partnership, COMPLIANCE, procedure, challenge, values, by=current_user().email,
                                    action=ESCALATED, step=last, details=form.reasons.data,
                                    happened_on=form.escalated_on.data, tell_kind=notices.ESCALATED)
        return steps.done(partnership, KIND, reference, kept, f"Escalated to stage {last}.")

    return steps.action_page(partnership, KIND, reference, action="escalate", template="compliance/escalate.html",
                             form=lambda c: EscalationForm(**c.since_current_step()), record=record,
                             steps=lambda c: range(first_stage(procedure), last), stage=last)


@bp.route("/<reference>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(slug: str, reference: str):
    partnership, _ = _partnership(slug)
    return steps.withdraw(partnership, KIND, reference)


@bp.post("/<reference>/send-link")
@login_required
def send_link(slug: str, reference: str):
    """Send the line manager's link again (a lost email, or one that could not be sent)."""
    partnership, procedure = _partnership(slug)
    challenge = steps.visible(partnership, KIND, reference, "escalate")
    if FlaskForm().validate_on_submit() and challenge.is_open \
            and challenge.position.step.number == first_stage(procedure) and not _responded(procedure, challenge):
        started = next(s.started for s in challenge.position.timeline if s.step.number == first_stage(procedure))
        email = _response_email(partnership, reference, challenge.record[ComplianceTab.LINE_MANAGER_EMAIL],
                                formatting.today(), stage_started=started)
        if records.send(partnership, email):
            flash("The link was sent to the line manager again.", "success")
        else:
            flash("The email could not be sent. Try again in a few minutes.")
    return redirect(url_for("compliance.show", slug=slug, reference=reference))
