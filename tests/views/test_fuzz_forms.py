"""Every form fuzzed with hypothesis at a small size (benchmarks/faults.py runs ten thousand examples):
no answer gives a 5xx, and an accepted challenge's row holds exactly what was typed."""
from __future__ import annotations

from partnership import partnerships_of
from tests.fuzzforms import fuzz_every_form
from tests.views.challenge_pages import SHARED_BYTECODE


def test_no_form_answers_any_input_with_a_server_error_or_stores_anything_but_what_was_typed(app):
    app.jinja_env.bytecode_cache = SHARED_BYTECODE
    result = fuzz_every_form(lambda: app, 40, seed_number=11)
    assert sum(result["per_form"].values()) == 40
    assert result["server_errors"] == 0, result["examples"]
    assert result["differing"] == 0, result["examples"]
    assert result["accepted"] >= 1, "some raised challenges were accepted and compared"


def test_a_control_character_in_an_answer_is_refused_with_a_message(app, client):
    from tests.views.challenge_pages import RAISER, errors, hidden_fields, sign_in_as
    from tests.views.test_challenges import answers
    from sheets.open import open_workbook

    open_workbook(partnerships_of(app)["demo"]).init()
    sign_in_as(client, RAISER)
    opened = client.get("/demo/challenges/new", follow_redirects=True)
    refused = client.post("/demo/challenges/new", data={**hidden_fields(opened), **answers(decision="a\x00b")})
    assert refused.status_code == 400
    assert any("control characters" in e for e in errors(refused))
