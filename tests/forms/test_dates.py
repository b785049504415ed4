"""The GOV.UK date input: each way a date can be wrong has its own instruction."""
from __future__ import annotations

import datetime as dt

import pytest

from forms.base import StrippedForm
from forms.dates import GovDateField, not_before, not_in_future

SATURDAY_21_NOVEMBER_2026 = dt.date(2026, 11, 21)


class DateForm(StrippedForm):
    arose = GovDateField("When did the concern arise?", noun="the date the concern arose")
    optional = GovDateField("Optional", noun="the optional date", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.arose.validators = [not_in_future(lambda: SATURDAY_21_NOVEMBER_2026),
                                 not_before(lambda: dt.date(2026, 1, 1), "1 January 2026")]


def errors(submit, day, month, year):
    form = submit(DateForm, {"arose": [day, month, year]})
    return form.arose.errors, form.arose.data


def test_a_real_past_date_is_read(submit):
    assert errors(submit, "3", "11", "2026") == ([], dt.date(2026, 11, 3))


def test_whitespace_around_numbers_is_ignored(submit):
    assert errors(submit, " 03 ", "11 ", " 2026") == ([], dt.date(2026, 11, 3))


def test_today_is_allowed(submit):
    assert errors(submit, "21", "11", "2026") == ([], SATURDAY_21_NOVEMBER_2026)


@pytest.mark.parametrize("day, month, year, message", [
    ("", "", "", "Enter the date the concern arose"),
    ("3", "", "2026", "The date the concern arose must include a month"),
    ("", "", "2026", "The date the concern arose must include a day and month"),
    ("3", "11", "", "The date the concern arose must include a year"),
    ("31", "2", "2026", "The date the concern arose must be a real date"),
    ("3", "13", "2026", "The date the concern arose must be a real date"),
    ("three", "11", "2026", "The date the concern arose must be a real date"),
    ("3", "11", "26", "Year must include 4 numbers"),
])
def test_each_wrong_date_has_its_own_message(submit, day, month, year, message):
    found, data = errors(submit, day, month, year)
    assert found == [message]
    assert data is None


@pytest.mark.parametrize("day, month, year, message", [
    ("22", "11", "2026", "The date the concern arose must be today or in the past"),
    ("31", "12", "2025", "The date the concern arose must be on or after 1 January 2026"),
])
def test_a_real_date_outside_the_allowed_range_is_refused(submit, day, month, year, message):
    assert errors(submit, day, month, year)[0] == [message]


def test_an_optional_date_may_be_left_blank(submit):
    form = submit(DateForm, {"arose": ["3", "11", "2026"], "optional": ["", "", ""]})
    assert form.optional.errors == [] and form.optional.data is None


def test_what_was_typed_is_kept_when_wrong(app, submit):
    form = submit(DateForm, {"arose": ["31", "2", "2026"]})
    html = str(form.arose())
    assert 'value="31"' in html and 'value="2"' in html and 'value="2026"' in html
    # The Day box carries the field's id, so the error summary's link lands on it.
    assert 'id="arose"' in html and 'id="arose-month"' in html


def test_only_the_missing_box_is_marked_wrong(app, submit):
    form = submit(DateForm, {"arose": ["3", "", "2026"]})
    html = str(form.arose())
    assert html.count("govuk-input--error") == 1
