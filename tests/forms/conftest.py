"""Forms are built inside a POST request to the test app, as Flask-WTF reads them; CSRF is off here
(the view tests and browser tests cover it)."""
from __future__ import annotations

from typing import Any, Callable

import pytest
from werkzeug.datastructures import MultiDict


@pytest.fixture
def submit(app) -> Callable[..., Any]:
    """``submit(FormClass, {field: value}, **kwargs)``: the form, validated; its errors show what a person sees."""
    contexts = []

    def build(form_class, data: dict[str, Any], **kwargs):
        formdata = MultiDict()
        for key, value in data.items():
            for item in value if isinstance(value, (list, tuple)) else [value]:
                formdata.add(key, item)
        context = app.test_request_context(method="POST", data=formdata)
        context.push()
        contexts.append(context)
        form = form_class(meta={"csrf": False}, **kwargs)
        form.validate()
        return form

    yield build
    for context in reversed(contexts):
        context.pop()
