"""Procedure definitions: ordered steps with timescales, as data."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Unit = Literal["working", "calendar"]
CountedFrom = Literal["challenge", "step"]


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


@dataclass(frozen=True)
class Procedure:
    slug: str
    name: str
    source: str
    steps: tuple[Step, ...]
    step_label: str = "Step"
    final_escalation: str = ""
    may_bypass: bool = False
    notes: str = ""
    total: Timescale | None = None

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
