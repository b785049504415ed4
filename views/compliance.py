"""Durham's IRO compliance challenge: the form, the line manager's response link, stages 3 to 5."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm

from forms.compliance import ComplianceChallengeForm, EscalationForm, LineManagerResponseForm, StageMeetingForm
from notify import Email
from procedures import ChallengeDates, position
from procedures.config import Partnership
from procedures.model import Procedure
from procedures.values import format_date
from sheets.schema import COMPLIANCE, RAISED_ON, RESOLVED_ON, STEP, STEP_STARTED
from views import records
from views.auth import User, can_see, current_user, login_required, sign_in
from views.partnership import get_partnership
from views.response_link import LinkRefused, ResponseLink, expiry, make_token, read_token

bp = Blueprint("compliance", __name__, url_prefix="/<slug>/compliance")

EMAIL_COLUMNS = ("IRO email", "Professional email", "Line manager email", "Safeguarding lead email")
RESPONSE_STAGE = 2
MEETING_STAGES = (3, 4)
ESCALATION_STAGE = 5


records.reads_the_sheet(bp)



def _partnership(slug: str) -> tuple[Partnership, Procedure]:
    """The partnership and its compliance procedure; 404 when it does not run one."""
    partnership = get_partnership(slug)
    if partnership.compliance_procedure is None:
        abort(404)
    return partnership, partnership.compliance_procedure


def _response_email(partnership: Partnership, reference: str, line_manager_email: str, today: dt.date) -> Email:
    """The line manager's email: the reference, the deadline and the signed link; no case detail."""
    procedure = partnership.compliance_procedure
    stage2 = position(procedure, partnership.calendar,
                      ChallengeDates(raised_on=today, step=RESPONSE_STAGE, step_started=today), today)
    token = make_token(current_app.config["SECRET_KEY"], ResponseLink(
        partnership.slug, reference, line_manager_email.lower(), expiry(stage2.conclude_by, today)))
    link = current_app.config["BASE_URL"] + url_for("compliance.respond", slug=partnership.slug,
                                                    reference=reference, token=token)
    due = f"{stage2.conclude_by:%d %B %Y}" if stage2.conclude_by else "as soon as you can"
    return Email(
        to=line_manager_email,
        subject=f"Compliance challenge {reference}: your response is needed by {due}",
        text=(f"An Independent Reviewing Officer has sent you compliance challenge {reference} "
              f"({partnership.name}).\n\nPlease respond by {due} (stage 2: 3 working days).\n\n"
              f"Open this link to read it and respond:\n{link}\n\n"
              "The link opens this challenge only. Please do not forward this email: "
              "whoever opens the link can respond.\n"),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new(slug: str):
    partnership, procedure = _partnership(slug)
    user = current_user()
    form = ComplianceChallengeForm(agencies=records.lists(partnership).agencies)
    if request.method == "GET" and not form.iro_email.data:
        form.iro_email.data = user.email
    if form.validate_on_submit():
        today = dt.date.today()
        row = {
            RAISED_ON: format_date(today),
            "Family reference": form.family_reference.data,
            "IRO": form.iro.data,
            "IRO email": form.iro_email.data,
            "Professional": form.professional.data,
            "Professional agency": form.professional_agency.data,
            "Professional email": form.professional_email.data or "",
            "Line manager": form.line_manager.data,
            "Line manager email": form.line_manager_email.data,
            "Safeguarding lead": form.safeguarding_lead.data,
            "Safeguarding lead email": form.safeguarding_lead_email.data or "",
            "Identified issue": "; ".join(form.issues.data),
            "Concern and what we would like to see": form.concern.data,
            STEP: str(RESPONSE_STAGE),
            STEP_STARTED: format_date(today),
        }
        saved = records.save_new(
            partnership, COMPLIANCE, row, submission_id=form.submission_id.data, by=user.email, action="Sent",
            email_for=lambda ref: _response_email(partnership, ref, form.line_manager_email.data, today))
        stage2 = position(procedure, partnership.calendar,
                          ChallengeDates(raised_on=today, step=RESPONSE_STAGE, step_started=today), today)
        session["compliance_sent"] = {"reference": saved.reference, "pending": saved.pending,
                                      "email_failed": saved.email_failed,
                                      "conclude_by": format_date(stage2.conclude_by)}
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


def _find(partnership: Partnership, procedure: Procedure, reference: str) -> records.Challenge:
    challenge = records.find(partnership, COMPLIANCE, reference, procedure)
    if challenge is None:
        abort(404)
    return challenge


def _visible(partnership: Partnership, procedure: Procedure, reference: str) -> records.Challenge:
    challenge = _find(partnership, procedure, reference)
    if not can_see(current_user(), dict(challenge.record.values), EMAIL_COLUMNS):
        abort(404)
    return challenge


@bp.get("/<reference>")
@login_required
def show(slug: str, reference: str):
    partnership, procedure = _partnership(slug)
    challenge = _visible(partnership, procedure, reference)
    return render_template("compliance/show.html", partnership=partnership, challenge=challenge,
                           procedure=procedure, user=current_user(), resend_form=FlaskForm(),
                           meeting_stages=MEETING_STAGES, response_stage=RESPONSE_STAGE,
                           escalation_stage=ESCALATION_STAGE)


@bp.route("/<reference>/respond/<token>", methods=["GET", "POST"])
def respond(slug: str, reference: str, token: str):
    """Stage 2: the line manager arrives from the emailed link, is signed in for this challenge only, and responds."""
    partnership, procedure = _partnership(slug)
    try:
        link = read_token(current_app.config["SECRET_KEY"], token, slug=slug, reference=reference,
                          today=dt.date.today())
    except LinkRefused as e:
        expired = "expired" in str(e)
        return render_template("compliance/link_refused.html", partnership=partnership, expired=expired,
                               message=str(e)), 410 if expired else 403
    challenge = _find(partnership, procedure, reference)
    user = current_user()
    if request.method == "GET" and not (user and user.partnership == slug and user.reference == reference
                                        and user.email == link.email):
        sign_in(User(link.email, slug, "responder", reference))
        # Signing in starts a new session: the form's CSRF token must come from it, not the old one.
        g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    if not challenge.is_open or challenge.position.step.number != RESPONSE_STAGE:
        return render_template("compliance/responded.html", partnership=partnership, challenge=challenge)
    form = LineManagerResponseForm()
    if request.method == "GET":
        form.at_step.data = str(RESPONSE_STAGE)
    if form.validate_on_submit():
        today = format_date(dt.date.today())
        values = {"Line manager response": form.response.data, "Stage 2 resolved or progressed on": today}
        if form.outcome.data == "resolved":
            values.update({RESOLVED_ON: today, "Outcome": "Resolved by the line manager at stage 2"})
            message = "Thank you: your response is recorded and the challenge is resolved."
        else:
            values.update({STEP: "3", STEP_STARTED: today})
            message = "Thank you: your response is recorded. The challenge moves to stage 3."
        kept = records.change(partnership, COMPLIANCE, reference, values, by=link.email,
                              action="Line manager responded", step=RESPONSE_STAGE)
        iro = challenge.record["IRO email"]
        if iro:
            page = current_app.config["BASE_URL"] + url_for("compliance.show", slug=slug, reference=reference)
            records.send(partnership, Email(
                to=iro, subject=f"Compliance challenge {reference}: the line manager has responded",
                text=f"The line manager has responded to compliance challenge {reference}.\n\n"
                     f"Sign in to read it: {page}\n",
            ))
        flash(message + (" It will be saved in the spreadsheet shortly." if kept else ""), "success")
        return redirect(url_for("compliance.show", slug=slug, reference=reference))
    return render_template("compliance/respond.html", partnership=partnership, challenge=challenge, form=form,
                           procedure=procedure), 400 if form.errors else 200


def _staff_only(challenge: records.Challenge) -> None:
    """Stages 3 to 5 are recorded by the IRO and business support, not by a responder's link."""
    if current_user().role == "responder":
        abort(404)


def _open_at(partnership: Partnership, challenge: records.Challenge, stages: tuple[int, ...], form):
    if not challenge.is_open or challenge.position.step.number not in stages:
        flash("This compliance challenge is not at a stage where that can be recorded")
        return redirect(url_for("compliance.show", slug=partnership.slug, reference=challenge.reference))
    here = str(challenge.position.step.number)
    if request.method == "GET":
        form.at_step.data = here
    elif form.at_step.data and form.at_step.data != here:
        flash(f"This compliance challenge moved to stage {here} while you were on that page")
        return redirect(url_for("compliance.show", slug=partnership.slug, reference=challenge.reference))
    return None


@bp.route("/<reference>/meeting", methods=["GET", "POST"])
@login_required
def meeting(slug: str, reference: str):
    """Stages 3 and 4: the meeting with the Safeguarding Lead, its record, and whether it resolved the issue."""
    partnership, procedure = _partnership(slug)
    challenge = _visible(partnership, procedure, reference)
    _staff_only(challenge)
    form = StageMeetingForm(raised_on=challenge.raised_on)
    refused = _open_at(partnership, challenge, MEETING_STAGES, form)
    if refused:
        return refused
    stage = challenge.position.step.number
    if form.validate_on_submit():
        today = format_date(dt.date.today())
        values = {f"Stage {stage} meeting on": format_date(form.meeting_on.data),
                  f"Stage {stage} record": form.record.data,
                  f"Stage {stage} resolved or progressed on": today}
        go_on = form.outcome.data != "resolved"
        if not go_on:
            values.update({RESOLVED_ON: today, "Outcome": f"Resolved at stage {stage}"})
        elif stage + 1 < ESCALATION_STAGE:
            values.update({STEP: str(stage + 1), STEP_STARTED: today})
        kept = records.change(partnership, COMPLIANCE, reference, values, by=current_user().email,
                              action=f"Stage {stage} meeting", step=stage)
        suffix = " It will be saved in the spreadsheet shortly." if kept else ""
        if go_on and stage + 1 == ESCALATION_STAGE:
            flash("Meeting saved. Now give the reasons for escalation." + suffix, "success")
            return redirect(url_for("compliance.escalate", slug=slug, reference=reference))
        flash(("Meeting saved. The challenge is resolved." if not go_on
               else f"Meeting saved. The challenge moves to stage {stage + 1}.") + suffix, "success")
        return redirect(url_for("compliance.show", slug=slug, reference=reference))
    return render_template("compliance/meeting.html", partnership=partnership, challenge=challenge, form=form,
                           stage=stage, procedure=procedure), 400 if form.errors else 200


@bp.route("/<reference>/escalate", methods=["GET", "POST"])
@login_required
def escalate(slug: str, reference: str):
    """Stage 5: escalation to the partnership's executive, with the reasons."""
    partnership, procedure = _partnership(slug)
    challenge = _visible(partnership, procedure, reference)
    _staff_only(challenge)
    form = EscalationForm()
    refused = _open_at(partnership, challenge, tuple(range(RESPONSE_STAGE, ESCALATION_STAGE)), form)
    if refused:
        return refused
    if form.validate_on_submit():
        today = format_date(dt.date.today())
        values = {STEP: str(ESCALATION_STAGE), STEP_STARTED: today, "Stage 5 escalated on": today,
                  "Stage 5 reasons for escalation": form.reasons.data}
        kept = records.change(partnership, COMPLIANCE, reference, values, by=current_user().email,
                              action="Escalated", step=ESCALATION_STAGE, details=form.reasons.data)
        records.send(partnership, Email(
            to=partnership.email.partnership_manager,
            subject=f"Compliance challenge {reference} has been escalated to stage 5",
            text=(f"Compliance challenge {reference} has been escalated to {procedure.final_escalation}.\n\n"
                  f"Sign in to read the reasons: {current_app.config['BASE_URL']}"
                  f"{url_for('compliance.show', slug=slug, reference=reference)}\n"),
        ))
        flash("Escalated to stage 5." + (" It will be saved in the spreadsheet shortly." if kept else ""), "success")
        return redirect(url_for("compliance.show", slug=slug, reference=reference))
    return render_template("compliance/escalate.html", partnership=partnership, challenge=challenge, form=form,
                           procedure=procedure), 400 if form.errors else 200


@bp.post("/<reference>/send-link")
@login_required
def send_link(slug: str, reference: str):
    """Send the line manager's link again (a lost email, or one that could not be sent)."""
    partnership, procedure = _partnership(slug)
    challenge = _visible(partnership, procedure, reference)
    _staff_only(challenge)
    if FlaskForm().validate_on_submit() and challenge.is_open \
            and challenge.position.step.number == RESPONSE_STAGE:
        email = _response_email(partnership, reference, challenge.record["Line manager email"], dt.date.today())
        if records.send(partnership, email):
            flash("The link was sent to the line manager again.", "success")
        else:
            flash("The email could not be sent. Try again in a few minutes.")
    return redirect(url_for("compliance.show", slug=slug, reference=reference))
