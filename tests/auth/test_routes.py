"""Every page but the public ones needs a signed-in user of that partnership.

The routes are read from ``app.url_map``, so pages added later are covered without
changing this file; URL variables get sample values.
"""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.routing import IntegerConverter, Rule

from tests.auth.conftest import sign_in_as

# Pages anyone may open: the list of partnerships, the sign-in pages, static files, and where
# to go when someone is at immediate risk (safety information: nobody should have to sign in
# to read it), and the accessibility statement, privacy notice and cookies page. A partnership's
# start page (the rule "/<slug>/") is public too; so are links that carry their own signed token
# (the emailed sign-in link, the line manager's response link).
# /healthz and /readyz are for load balancers: they show no challenge data.
PUBLIC_ENDPOINTS = {"static", "public.index", "auth.sign_in", "auth.check_email", "challenges.immediate_risk",
                    "health.healthz", "health.readyz", "info.accessibility", "info.privacy", "info.cookies"}
SAMPLES = {"slug": "demo", "reference": "DEMO-ABC234", "token": "not-a-real-token"}


def is_start_page(rule: Rule) -> bool:
    return rule.rule == "/<slug>/"


def carries_token(rule: Rule) -> bool:
    return "token" in rule.arguments


def sample_values(rule: Rule, **overrides: str) -> dict[str, object]:
    values: dict[str, object] = {}
    for name in rule.arguments:
        if isinstance(rule._converters.get(name), IntegerConverter):
            values[name] = 1
        else:
            values[name] = SAMPLES.get(name, "sample")
    return {**values, **{k: v for k, v in overrides.items() if k in values}}


def requests_for(app, rules, **overrides: str):
    """(method, url, endpoint) for every method of every rule in ``rules``."""
    adapter = app.url_map.bind("localhost")
    for rule in rules:
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield method, adapter.build(rule.endpoint, sample_values(rule, **overrides), method=method), rule.endpoint


def guarded_rules(app) -> list[Rule]:
    return [r for r in app.url_map.iter_rules()
            if r.endpoint not in PUBLIC_ENDPOINTS and not is_start_page(r) and not carries_token(r)]


@pytest.fixture
def routes_app(app):
    """The app with one extra private page, so the checks below always have a page other than
    sign-out to look at. Tests turn CSRF checks off so that a POST reaches the sign-in guard."""
    from views.auth import login_required

    @login_required
    def private_page(slug, reference):
        return "case detail"

    app.add_url_rule("/<slug>/test-private/<reference>", "test_private", private_page, methods=["GET", "POST"])
    return app


def test_every_other_route_sends_an_anonymous_visitor_to_sign_in(routes_app):
    routes_app.config["WTF_CSRF_ENABLED"] = False
    client = routes_app.test_client()
    checked = []
    for method, url, endpoint in requests_for(routes_app, guarded_rules(routes_app)):
        response = client.open(url, method=method)
        assert response.status_code == 302, f"{method} {url} ({endpoint}) answered {response.status_code}"
        location = urlsplit(response.headers["Location"])
        assert location.path == "/demo/sign-in", f"{method} {url} ({endpoint}) went to {location.path}"
        next_path = parse_qs(location.query).get("next", [""])[0]
        assert next_path in ("", url.partition("?")[0]), f"{method} {url}: next={next_path}"
        assert "case detail" not in response.get_data(as_text=True)
        checked.append(endpoint)
    assert {"test_private", "auth.sign_out"} <= set(checked)


def test_a_user_of_another_partnership_is_refused(routes_app):
    client = routes_app.test_client()
    sign_in_as(routes_app, client, "support@other-partnership.example", slug="other")
    routes_app.config["WTF_CSRF_ENABLED"] = False
    rules = [r for r in guarded_rules(routes_app) if "slug" in r.arguments and not r.endpoint.startswith("auth.")]
    checked = []
    for method, url, endpoint in requests_for(routes_app, rules, slug="demo"):
        response = client.open(url, method=method)
        assert response.status_code == 403, f"{method} {url} ({endpoint}) answered {response.status_code}"
        checked.append(endpoint)
    assert "test_private" in checked
    assert client.get("/other/test-private/OTHER-1").get_data(as_text=True) == "case detail"


def test_links_that_carry_a_token_refuse_a_made_up_one(routes_app):
    routes_app.config["WTF_CSRF_ENABLED"] = False
    client = routes_app.test_client()
    rules = [r for r in routes_app.url_map.iter_rules() if carries_token(r)]
    assert "auth.sign_in_link" in {r.endpoint for r in rules}
    for method, url, endpoint in requests_for(routes_app, rules):
        response = client.open(url, method=method)
        assert 400 <= response.status_code < 500 or response.status_code == 302, \
            f"{method} {url} ({endpoint}) answered {response.status_code}"
        if response.status_code == 302:
            assert urlsplit(response.headers["Location"]).path == "/demo/sign-in"


def test_the_public_pages_open_without_signing_in(app):
    client = app.test_client()
    paths = ["/", "/demo/sign-in", "/demo/sign-in/check-your-email", "/static/app.css"]
    paths += [f"/{SAMPLES['slug']}/" for r in app.url_map.iter_rules() if is_start_page(r)]
    for path in paths:
        with client.get(path) as response:
            assert response.status_code == 200, path
