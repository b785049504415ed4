"""How the pages write dates, times and figures: one way each, in the partnership's time zone.

Dates are GOV.UK style (``30 November 2026``); a time says its zone (``2:05pm (GMT)``).
"""
from __future__ import annotations

import datetime as dt
from typing import Mapping

from flask import Flask, current_app

from procedures.values import DEFAULT_ZONE, display_date, display_time, local_time
from sheets.base import SummaryValue, cell_display
from sheets.schema import APPENDIX_A, ESCALATED, ChallengesTab, ComplianceTab, HistoryTab


def zone() -> dt.tzinfo:
    """The time zone this app shows times in (``TIMEZONE``)."""
    return current_app.extensions.get("timezone", DEFAULT_ZONE)


def now() -> dt.datetime:
    """This moment, in the app's time zone."""
    return dt.datetime.now(zone())


def today() -> dt.date:
    """Today's date where the partnership is (not where the server is)."""
    return now().date()


def recorded_time(text: str) -> str:
    """A time the app wrote into the sheet (``2026-11-30 14:05``, the app's zone) as people read it;
    anything else (a person's edit) is shown as typed."""
    try:
        moment = dt.datetime.strptime(text.strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        return text
    return display_time(moment.replace(tzinfo=zone()), zone())


def shown_time(moment: dt.datetime | None) -> str:
    return display_time(moment, zone()) if moment else ""


def history_heading(row: Mapping[str, str], step_label: str) -> str:
    """What a History row says happened: ``Escalated from step 1 to step 2``, ``Resolved at step 2``,
    ``Stage 3 meeting`` (its step already named)."""
    action, step = row.get(HistoryTab.ACTION, "").strip(), str(row.get(HistoryTab.STEP, "")).strip()
    label = step_label.lower()
    if not step:
        return action
    if action.casefold() == ESCALATED.casefold() and step.isdigit() and int(step) > 1:
        return f"{action} from {label} {int(step) - 1} to {label} {step}"
    if f"{label} {step}" in action.casefold():
        return action
    return f"{action} at {label} {step}"


def figure(value: SummaryValue) -> str:
    return cell_display(value)


def history_time(moment: dt.datetime) -> str:
    """How the app writes a moment into the History tab: the app's local time, to the minute."""
    return f"{local_time(moment, zone()):%Y-%m-%d %H:%M}"


def register(app: Flask) -> None:
    app.jinja_env.filters["date"] = display_date
    app.jinja_env.filters["recorded_time"] = recorded_time
    app.jinja_env.filters["time"] = shown_time
    app.jinja_env.filters["figure"] = figure
    app.jinja_env.globals["history_heading"] = history_heading
    # Templates name a row's cells by these, never by the header text.
    app.jinja_env.globals.update(ChallengesTab=ChallengesTab, ComplianceTab=ComplianceTab, HistoryTab=HistoryTab,
                                 APPENDIX_A=APPENDIX_A)
