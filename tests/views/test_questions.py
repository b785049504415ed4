"""Every question a form asks is in its fieldset's legend: radios, checkboxes and dates are
announced by their question, on every form page, with and without errors shown."""
from __future__ import annotations

import pytest

from tests.views.challenge_pages import app, page, partnership, sign_in_as, workbook  # noqa: F401 (fixtures)
from tests.views.test_challenges_steps import reference, urls  # noqa: F401 (fixtures)
from tests.views.test_compliance import IRO, sent  # noqa: F401 (fixtures)


def questions(response) -> list[str]:
    """Each fieldset's legend text; an empty string where a fieldset has none."""
    found = []
    for fieldset in page(response).select("main form fieldset"):
        legend = fieldset.find("legend")
        found.append(legend.get_text(" ", strip=True) if legend else "")
    return found


def empty_hints(response) -> list[str]:
    return [h.get("id", "") for h in page(response).select(".govuk-hint") if not h.get_text(strip=True)]


def test_the_raise_form_asks_each_question_in_a_legend(client, urls, workbook):
    sign_in_as(client, "sam@example.nhs.uk")
    asked = []
    for page in ("immediate-risk", "about-you", "who", "case", "challenge"):
        url = urls("raising.question", page=page)
        for response in (client.get(url), client.post(url, data={})):
            assert empty_hints(response) == []
        asked += questions(client.get(url))
    assert asked == ["Is anyone at immediate risk of harm?", "Who does the concern relate to?",
                     "When did the concern arise?", "What is the challenge about?"]


@pytest.mark.parametrize("endpoint", ["challenges.resolve", "challenges.escalate", "challenges.conversation"])
def test_step_forms_ask_each_question_in_a_legend(client, urls, reference, endpoint):
    for response in (client.get(urls(endpoint, reference=reference)),
                     client.post(urls(endpoint, reference=reference), data={})):
        assert all(questions(response)), questions(response)
        assert empty_hints(response) == []


def test_the_compliance_forms_ask_each_question_in_a_legend(client, urls, sent):
    response = client.get(urls("compliance.new"))
    assert "Identified issue" in questions(response)
    assert all(questions(response)), questions(response)
    for endpoint in ("compliance.meeting", "compliance.escalate"):
        response = client.get(urls(endpoint, reference=sent))
        assert all(questions(response)), (endpoint, questions(response))
