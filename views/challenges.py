"""A partnership's professional challenges: the start page, raising one, and each step after."""
from __future__ import annotations

import datetime as dt
import json

from flask import Blueprint, flash, redirect, render_template, request, session, url_for

from forms.challenge import RaiseChallengeForm
from forms.steps import AppendixAForm, ConversationForm, EscalateForm, ResolveForm, SatisfiedForm
from notify import notices
from procedures import ChallengeDates, position
from procedures.model import DEFAULT_STEP_LABEL, Procedure, Timescale
from procedures.values import display_date, format_date, parse_date
from sheets.schema import (
    APPENDIX_A, CHALLENGES, DATE_COLUMNS, ESCALATED, PERSON_COLUMNS, RAISED_ON, REFERENCE, RESOLVED_ON, STEP,
    STEP_STARTED, ChallengesTab, HistoryTab,
)
from sheets.base import Record
from views import formatting
from views import permissions, raising, records, steps
from views.auth import current_user, login_required
from views.partnership import get_partnership

bp = Blueprint("challenges", __name__, url_prefix="/<slug>")

# Every column naming a person on a challenge: a practitioner's list shows the rows naming them.
EMAIL_COLUMNS = tuple(dict.fromkeys(PERSON_COLUMNS[CHALLENGES].values()))
_DATE_COLUMNS = {c for columns in DATE_COLUMNS.values() for c in columns}


records.reads_the_sheet(bp)



def timescale_text(timescale: Timescale | None, step_label: str) -> str:
    """A timescale as the start page says it: "Working day 9", "Within 3 working days of the stage starting"."""
    if timescale is None:
        return "No set time"
    unit = "working day" if timescale.unit == "working" else "day"
    if timescale.counted_from == "challenge":
        return f"{unit[0].upper()}{unit[1:]} {timescale.days}"
    plural = "s" if timescale.days != 1 else ""
    return f"Within {timescale.days} {unit}{plural} of the {step_label.lower()} starting"


@bp.app_template_filter("timescale")
def _timescale_filter(timescale: Timescale | None, step_label: str = DEFAULT_STEP_LABEL) -> str:
    return timescale_text(timescale, step_label)


@bp.app_template_filter("cell")
def _cell_filter(value: str, column: str) -> str:
    """A cell as a person reads it: dates the app wrote (2026-11-21) as "Saturday 21 November 2026"."""
    if column in _DATE_COLUMNS and value:
        try:
            return display_date(parse_date(value)) or value
        except ValueError:
            return value
    return value


@bp.get("/")
def start(slug: str):
    partnership = get_partnership(slug)
    return render_template("challenges/start.html", partnership=partnership, procedure=partnership.procedure)


@bp.get("/immediate-risk")
def immediate_risk(slug: str):
    return render_template("challenges/immediate_risk.html", partnership=get_partnership(slug))


@bp.route("/challenges/new", methods=["GET", "POST"])
@login_required
def new(slug: str):
    partnership = get_partnership(slug)
    user = current_user()
    permissions.require_raise(user)
    if request.method == "GET":
        # Answered a page at a time (views.raising); this is the check-your-answers page.
        raising.keep_resent()
        missing = raising.first_unanswered(partnership, user)
        if missing is not None:
            return redirect(url_for("raising.question", slug=slug, page=missing.slug))
        form = raising.new_form(partnership, user, raising.answers())
        return render_template("challenges/check.html", partnership=partnership, form=form,
                               rows=raising.check_rows(form))
    data = raising.answers()
    for name in request.form:
        data.setlist(name, request.form.getlist(name))
    form = raising.new_form(partnership, user, data)
    if form.at_immediate_risk:
        return render_template("challenges/immediate_risk.html", partnership=partnership)
    if form.validate_on_submit():
        today = formatting.today()
        raiser = form.on_behalf_of.data if user.is_business_support else user.email
        details = f"Recorded by business support on behalf of {raiser}" if raiser.lower() != user.email else ""
        row = _challenge_row(form, today, raiser)
        saved = records.save_new(partnership, CHALLENGES, row, submission_id=form.submission_id.data, by=user.email,
                                 action="Raised", details=details)
        if not saved.pending and not saved.repeated:
            records.tell(partnership, CHALLENGES, partnership.procedure,
                         Record(CHALLENGES, 0, {**row, REFERENCE: saved.reference}), [notices.RAISED], today)
        step1 = position(partnership.procedure, partnership.calendar, ChallengeDates(raised_on=today), today)
        session["raised"] = {"reference": saved.reference, "pending": saved.pending,
                             "conclude_by": format_date(step1.conclude_by)}
        raising.forget()
        return redirect(url_for("challenges.raised", slug=slug))
    # Sent with answers missing or wrong: back to the first page of questions that need them.
    page = next((p for p in raising.PAGES if any(form[n].errors for n in p.fields if n in form._fields)),
                raising.PAGES[0])
    return raising.render_page(partnership, user, form, page, raising.page_errors(form, page), changing=True), 400


def _challenge_row(form: RaiseChallengeForm, today: dt.date, raiser: str) -> dict[str, str]:
    return {
        RAISED_ON: format_date(today),
        ChallengesTab.RAISED_BY: form.raiser_name.data,
        ChallengesTab.RAISER_ROLE: form.raiser_role.data,
        ChallengesTab.RAISER_AGENCY: form.raiser_agency.data,
        ChallengesTab.RAISER_EMAIL: raiser,
        ChallengesTab.LINE_MANAGER_EMAIL: form.line_manager_email.data,
        ChallengesTab.OTHER_AGENCY: form.other_agency.data,
        ChallengesTab.OTHER_PROFESSIONAL: form.other_professional.data,
        ChallengesTab.OTHER_PROFESSIONAL_EMAIL: form.other_professional_email.data or "",
        ChallengesTab.OTHER_LINE_MANAGER_EMAIL: form.other_line_manager_email.data or "",
        ChallengesTab.CHILD_OR_ADULT: form.child_or_adult.data,
        ChallengesTab.CASE_REFERENCE: form.case_reference.data,
        ChallengesTab.THEME: form.theme.data,
        ChallengesTab.DECISION_CHALLENGED: form.decision.data,
        ChallengesTab.OUTCOME_SOUGHT: form.outcome_sought.data,
        ChallengesTab.CONCERN_AROSE_ON: format_date(form.concern_arose.data),
        STEP: "1",
        STEP_STARTED: format_date(today),
    }


@bp.get("/challenges/raised")
@login_required
def raised(slug: str):
    partnership = get_partnership(slug)
    done = session.get("raised")
    if not done:
        return redirect(url_for("challenges.new", slug=slug))
    conclude_by = dt.date.fromisoformat(done["conclude_by"]) if done.get("conclude_by") else None
    return render_template("challenges/raised.html", partnership=partnership, reference=done["reference"],
                           pending=done["pending"], conclude_by=conclude_by)


@bp.get("/challenges/<reference>")
@login_required
def show(slug: str, reference: str):
    partnership = get_partnership(slug)
    challenge = steps.visible(partnership, steps.CHALLENGE, reference)
    appendix = _latest_appendix(challenge)
    allowed = permissions.allowed(current_user(), partnership, challenge.record)
    return render_template("challenges/show.html", partnership=partnership, kind=steps.CHALLENGE,
                           challenge=challenge, procedure=partnership.procedure, appendix=appendix, allowed=allowed,
                           can_escalate=bool(_later_steps(partnership.procedure, challenge)),
                           awaiting_satisfied=_awaiting_satisfied(challenge))


def _awaiting_satisfied(challenge: records.Challenge) -> bool:
    """Resolved by someone who left "raiser satisfied" for the raiser, who has not answered yet."""
    return bool(challenge.position and challenge.position.status == "resolved"
                and not challenge.record[ChallengesTab.RAISER_SATISFIED].strip())


@bp.route("/challenges/<reference>/conversation", methods=["GET", "POST"])
@login_required
def conversation(slug: str, reference: str):
    partnership = get_partnership(slug)

    def form(challenge: records.Challenge) -> ConversationForm:
        arose = _date_in(challenge.record, ChallengesTab.CONCERN_AROSE_ON) or challenge.raised_on
        return ConversationForm(earliest=arose, earliest_what="the day the concern arose", today=formatting.today)

    def record(challenge: records.Challenge, form: ConversationForm):
        details = f"On {format_date(form.held_on.data)} with {form.with_whom.data}: {form.notes.data}"
        kept = records.note(partnership, CHALLENGES, reference, by=current_user().email, action="Conversation",
                            step=challenge.position.step.number, details=details, happened_on=form.held_on.data)
        return steps.done(partnership, steps.CHALLENGE, reference, kept, "Conversation saved.")

    return steps.action_page(partnership, steps.CHALLENGE, reference, action="record", form=form, record=record,
                             template="challenges/conversation.html")


@bp.route("/challenges/<reference>/resolve", methods=["GET", "POST"])
@login_required
def resolve(slug: str, reference: str):
    partnership = get_partnership(slug)
    user = current_user()

    def held(challenge: records.Challenge) -> set[str]:
        return set(permissions.relations_to(user, partnership, challenge.record))

    def asks(challenge: records.Challenge) -> bool:
        """Whether this person answers "raiser satisfied" (the raiser, or business support for them)."""
        return bool(held(challenge) & {"raiser", "business_support"})

    def record(challenge: records.Challenge, form: ResolveForm):
        ask = asks(challenge)
        values = {
            RESOLVED_ON: format_date(form.resolved_on.data),
            ChallengesTab.WHAT_WAS_DONE: form.what_was_done.data,
            ChallengesTab.OUTCOME: form.outcome.data,
            ChallengesTab.HOW_RESOLVED: form.how_resolved.data,
            ChallengesTab.RAISER_SATISFIED: ("Yes" if form.raiser_satisfied.data == "yes" else "No") if ask else "",
            ChallengesTab.REFERRED_TO_PARTNERSHIP: "Yes" if form.referred.data == "yes" else "No",
        }
        details = ""
        if ask and "raiser" not in held(challenge):
            details = "Raiser satisfied answered by business support on the raiser's behalf"
        elif not ask:
            details = "Raiser satisfied left for the raiser to answer"
        kept = records.record_event(partnership, CHALLENGES, partnership.procedure, challenge, values, by=user.email,
                                    action="Resolved", step=challenge.position.step.number, details=details,
                                    happened_on=form.resolved_on.data, tell_kind=notices.RESOLVED)
        return steps.done(partnership, steps.CHALLENGE, reference, kept, "Challenge marked as resolved.")

    return steps.action_page(partnership, steps.CHALLENGE, reference, action="resolve", record=record,
                             form=lambda c: ResolveForm(ask_satisfied=asks(c), **c.since_current_step()),
                             template="challenges/resolve.html")


@bp.route("/challenges/<reference>/satisfied", methods=["GET", "POST"])
@login_required
def satisfied(slug: str, reference: str):
    """The raiser's answer to "satisfied with the outcome?", when someone else recorded the resolution."""
    partnership = get_partnership(slug)
    challenge = steps.visible(partnership, steps.CHALLENGE, reference, "answer_satisfied")
    if not _awaiting_satisfied(challenge):
        flash("There is no question waiting for an answer on this challenge")
        return redirect(url_for("challenges.show", slug=slug, reference=reference))
    user = current_user()
    form = SatisfiedForm()
    if form.validate_on_submit():
        held = permissions.relations_to(user, partnership, challenge.record)
        answer = "Yes" if form.raiser_satisfied.data == "yes" else "No"
        details = "" if "raiser" in held else "Answered by business support on the raiser's behalf"
        kept = records.change(partnership, CHALLENGES, reference, {ChallengesTab.RAISER_SATISFIED: answer},
                              by=user.email, action=ChallengesTab.RAISER_SATISFIED, step=challenge.position.step.number,
                              details=details)
        return steps.done(partnership, steps.CHALLENGE, reference, kept, "Your answer is saved.")
    return render_template("challenges/satisfied.html", partnership=partnership, challenge=challenge, form=form,
                           procedure=partnership.procedure), 400 if form.errors else 200


def _date_in(record: Record, column: str) -> dt.date | None:
    try:
        return parse_date(record[column]) if record[column].strip() else None
    except ValueError:
        return None


def _later_steps(procedure: Procedure, challenge: records.Challenge) -> list[tuple[str, str]]:
    """The steps a challenge may go to: the next, or with ``may_bypass`` any later one."""
    if not challenge.is_open:
        return []
    later = procedure.steps[challenge.position.step.number:]
    if not procedure.may_bypass:
        later = later[:1]
    return [(str(s.number), f"{procedure.step_label} {s.number}: {s.name}") for s in later]


@bp.route("/challenges/<reference>/escalate", methods=["GET", "POST"])
@login_required
def escalate(slug: str, reference: str):
    partnership = get_partnership(slug)
    procedure = partnership.procedure
    label = procedure.step_label.lower()

    def record(challenge: records.Challenge, form: EscalateForm):
        step = int(form.step.data)
        values = {STEP: str(step), STEP_STARTED: format_date(form.escalated_on.data),
                  ChallengesTab.ESCALATED_TO: form.escalated_to.data,
                  ChallengesTab.ESCALATED_TO_EMAIL: form.escalated_to_email.data}
        kept = records.record_event(partnership, CHALLENGES, procedure, challenge, values,
                                    by=current_user().email, action=ESCALATED, step=step, details=form.reason.data,
                                    happened_on=form.escalated_on.data, tell_kind=notices.ESCALATED)
        return steps.done(partnership, steps.CHALLENGE, reference, kept, f"Challenge escalated to {label} {step}.")

    return steps.action_page(
        partnership, steps.CHALLENGE, reference, action="escalate", record=record,
        form=lambda c: EscalateForm(steps=_later_steps(procedure, c), **c.since_current_step()),
        steps=lambda c: [s.number for s in procedure.steps[:-1]],
        not_here=f"This challenge is at the last {label}: it cannot go further",
        template="challenges/escalate.html")


@bp.route("/challenges/<reference>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(slug: str, reference: str):
    return steps.withdraw(get_partnership(slug), steps.CHALLENGE, reference)


APPENDIX_FIELDS = {
    "raiser_representation": "Written representation of the agency raising the challenge",
    "other_representation": "Written representation of the agency being challenged",
    "resolution_sought": "Resolution sought",
}


def _latest_appendix(challenge: records.Challenge) -> dict[str, str] | None:
    for row in reversed(challenge.history):
        if row[HistoryTab.ACTION] == APPENDIX_A:
            try:
                data = json.loads(row[HistoryTab.DETAILS])
            except ValueError:
                continue
            if isinstance(data, dict):
                return {key: str(data.get(label, "")) for key, label in APPENDIX_FIELDS.items()}
    return None


@bp.route("/challenges/<reference>/appendix-a", methods=["GET", "POST"])
@login_required
def appendix_a(slug: str, reference: str):
    """Appendix A: the submission to the partnership's Statutory Partners, prefilled and printable."""
    partnership = get_partnership(slug)
    challenge = steps.visible(partnership, steps.CHALLENGE, reference, "record")
    saved = _latest_appendix(challenge)
    form = AppendixAForm(data=saved if request.method == "GET" and saved else None)
    if form.validate_on_submit():
        details = json.dumps({label: getattr(form, key).data for key, label in APPENDIX_FIELDS.items()},
                             ensure_ascii=False)
        step = challenge.position.step.number if challenge.position else ""
        kept = records.note(partnership, CHALLENGES, reference, by=current_user().email, action=APPENDIX_A,
                            step=step, details=details)
        return steps.done(partnership, steps.CHALLENGE, reference, kept, "Appendix A saved.", "appendix_a")
    return render_template("challenges/appendix_a.html", partnership=partnership, challenge=challenge, form=form,
                           saved=saved, fields=APPENDIX_FIELDS), 400 if form.errors else 200
