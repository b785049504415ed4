"""The GOV.UK date input (day, month, year boxes) with GOV.UK's error messages."""
from __future__ import annotations

import datetime as dt
from typing import Callable

from govuk_frontend_wtf.gov_form_base import GovFormBase
from govuk_frontend_wtf.wtforms_widgets import GovDateInput

from forms.widgets import with_legend
from wtforms import Field
from wtforms.validators import StopValidation, ValidationError

PARTS = ("day", "month", "year")


class DateInput(GovDateInput):
    """GOV.UK date input that keeps what was typed, marks only the wrong boxes, and gives the Day
    box the field's id so the error summary link lands on it."""

    def map_gov_params(self, field, **kwargs):
        params = GovFormBase.map_gov_params(self, field, **kwargs)
        raw = list(field.raw_data or [])
        if len(raw) == 3:
            values = raw
        elif field.data:
            values = [str(field.data.day), str(field.data.month), str(field.data.year)]
        else:
            values = ["", "", ""]
        bad = getattr(field, "bad_parts", PARTS) if field.errors else ()
        with_legend(params, field)
        params["id"] = f"{field.id}-date"  # the wrapper; the Day box has the field's own id
        params["items"] = [
            {
                "label": part.capitalize(),
                "id": field.id if part == "day" else f"{field.id}-{part}",
                "name": field.name,
                "classes": " ".join(c for c in (
                    "govuk-input--width-4" if part == "year" else "govuk-input--width-2",
                    "govuk-input--error" if part in bad else "") if c),
                "value": value,
            }
            for part, value in zip(PARTS, values)
        ]
        return params


class GovDateField(Field):
    """A date typed into three boxes; ``noun`` names it in messages ("the date the concern arose").

    Kept as typed when wrong, so the page comes back with the person's answers.
    """

    widget = DateInput()

    def __init__(self, label: str = "", validators=None, *, noun: str, required: bool = True, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.noun = noun
        self.required = required
        self.bad_parts: tuple[str, ...] = PARTS

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist:
            self.raw_data = [str(v).strip() for v in (list(valuelist) + ["", "", ""])[:3]]

    def _value(self) -> str:
        return self.data.strftime("%d %m %Y") if self.data else ""

    def pre_validate(self, form) -> None:
        self.data = None
        raw = self.raw_data if self.raw_data else ["", "", ""]
        parts = dict(zip(PARTS, raw))
        missing = [p for p in PARTS if not parts[p]]
        if len(missing) == 3:
            if self.required:
                raise StopValidation(f"Enter {self.noun}")
            return
        if missing:
            self.bad_parts = tuple(missing)
            raise StopValidation(f"{self.noun[0].upper()}{self.noun[1:]} must include a {' and '.join(missing)}")
        if not all(parts[p].isdigit() for p in PARTS):
            raise StopValidation(f"{self.noun[0].upper()}{self.noun[1:]} must be a real date")
        if len(parts["year"]) != 4:
            self.bad_parts = ("year",)
            raise StopValidation("Year must include 4 numbers")
        try:
            self.data = dt.date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
        except ValueError:
            raise StopValidation(f"{self.noun[0].upper()}{self.noun[1:]} must be a real date") from None


def not_in_future(today: Callable[[], dt.date]):
    """The date is today or earlier."""

    def check(form, field: GovDateField) -> None:
        if field.data and field.data > today():
            raise ValidationError(f"{field.noun[0].upper()}{field.noun[1:]} must be today or in the past")
    return check


def not_before(earliest: Callable[[], dt.date | None], what: str):
    """The date is not before ``earliest()`` (such as the day the challenge was raised)."""

    def check(form, field: GovDateField) -> None:
        first = earliest()
        if field.data and first and field.data < first:
            raise ValidationError(f"{field.noun[0].upper()}{field.noun[1:]} must be on or after {what}")
    return check
