"""The domain: procedures, the working-day calendar and where a challenge stands.

Nothing in this package touches Flask, gspread, WTForms or the network.
"""
from procedures.calendar import Calendar
from procedures.model import Procedure, Step, Timescale
from procedures.engine import ChallengeDates, Position, Positions, StepDates, position

__all__ = [
    "Calendar",
    "ChallengeDates",
    "Position",
    "Positions",
    "Procedure",
    "Step",
    "StepDates",
    "Timescale",
    "position",
]
