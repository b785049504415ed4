"""Procedure definitions: ordered steps with timescales, as data."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Unit = Literal["working", "calendar"]
CountedFrom = Literal["challenge", "step"]

# What a procedure calls its steps unless its file says otherwise (Durham's say "Stage").
DEFAULT_STEP_LABEL = "Step"

# The people a procedure can name at a step, as ``acts`` (who must do something) and ``told``
# (who is informed). Each is found on a challenge from its row (an email column) or from the
# partnership file; ``PEOPLE`` is the one list a procedure file may use, with what each means.
PEOPLE: dict[str, str] = {
    "raiser": "the professional who raised the challenge (on a compliance challenge, the IRO)",
    "challenged": "the professional whose decision is challenged",
    "raiser_line_manager": "the raiser's line manager",
    "challenged_line_manager": "the challenged professional's line manager",
    "escalated_to": "whoever the challenge was escalated to at its current step",
    "iro": "the Independent Reviewing Officer",
    "safeguarding_lead": "the challenged agency's safeguarding lead",
    "business_support": "the partnership's business support team",
    "partnership_manager": "the partnership manager (or business manager)",
}


@dataclass(frozen=True)
class Timescale:
    """When something is due.

    ``counted_from="challenge"``: ``days`` is a day number of the challenge, day 1
    being the day it was raised (Pan Cheshire's "no later than day 9").
    ``counted_from="step"``: ``days`` is how many days after the step started
    (Durham's "within 3 working days").
    """

    days: int
    unit: Unit = "working"
    counted_from: CountedFrom = "challenge"


@dataclass(frozen=True)
class Step:
    number: int
    name: str
    role: str
    start_by: Timescale | None = None
    conclude_by: Timescale | None = None
    reporting_threshold: bool = False
    description: str = ""
    # Who acts at this step and who is told when it starts and while it runs (names from PEOPLE).
    acts: tuple[str, ...] = ("raiser", "challenged")
    told: tuple[str, ...] = ()


@dataclass(frozen=True)
class Procedure:
    slug: str
    name: str
    source: str
    steps: tuple[Step, ...]
    step_label: str = DEFAULT_STEP_LABEL
    final_escalation: str = ""
    may_bypass: bool = False
    notes: str = ""
    total: Timescale | None = None
    # The step a new record starts at: Durham's form is sent at stage 2, after stage 1's
    # informal discussion, which happens before there is anything to record.
    starts_at: int = 1
    # An open challenge overdue by more than this many working days is reported as stuck.
    stuck_after: int = 5

    def step(self, number: int) -> Step:
        """The step with this number (1-based); KeyError if there is none."""
        if 1 <= number <= len(self.steps):
            return self.steps[number - 1]
        raise KeyError(f"{self.name} has no {self.step_label.lower()} {number}")

    def next_step(self, number: int) -> Step | None:
        return self.steps[number] if number < len(self.steps) else None

    @property
    def reporting_step(self) -> Step | None:
        """The first step whose reaching is reported to the partnership."""
        return next((s for s in self.steps if s.reporting_threshold), None)

    def parse_step(self, value: object) -> int | None:
        """Read a step typed into the sheet: ``3``, ``"3"``, ``"Step 3"``, ``"stage 3"`` or a step name.

        Returns None when it names no step of this procedure.
        """
        text = str(value).strip().lower()
        for prefix in (self.step_label.lower(), "step", "stage"):
            if text.startswith(prefix):
                text = text[len(prefix):].strip(" :.-")
                break
        if text.endswith(".0"):
            text = text[:-2]
        if text.isdigit() and 1 <= int(text) <= len(self.steps):
            return int(text)
        for s in self.steps:
            if text == s.name.lower():
                return s.number
        return None
