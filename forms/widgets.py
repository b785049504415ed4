"""GOV.UK widgets whose question is always the fieldset's legend.

govuk-frontend-wtf sets the legend only when a template passes no ``fieldset`` of its own, so a
template that merely styles the legend (``{"legend": {"classes": ...}}``) would lose the question.
"""
from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovRadioInput


def with_legend(params: dict, field) -> dict:
    """The field's label as the legend text, keeping any legend classes the template gave; no
    empty hint (it would still be announced through ``aria-describedby``)."""
    legend = params.setdefault("fieldset", {}).setdefault("legend", {})
    if not legend.get("text") and not legend.get("html"):
        legend["text"] = field.label.text
    hint = params.get("hint")
    if isinstance(hint, dict) and not hint.get("text") and not hint.get("html"):
        del params["hint"]
    return params


class RadioInput(GovRadioInput):
    def map_gov_params(self, field, **kwargs):
        return with_legend(super().map_gov_params(field, **kwargs), field)


class CheckboxesInput(GovCheckboxesInput):
    def map_gov_params(self, field, **kwargs):
        return with_legend(super().map_gov_params(field, **kwargs), field)
