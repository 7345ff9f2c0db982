"""htmx's settings and the CSRF header are each set in one place: the htmx-config meta tag
and hx-headers on <body> (static/app.js only renews the token there)."""

from __future__ import annotations

import html
import json
import re

from flask.testing import FlaskClient

from todo_web import PROJECT_ROOT

APP_JS = (PROJECT_ROOT / "static" / "app.js").read_text()


def test_htmx_settings_are_all_in_the_meta_tag(client: FlaskClient) -> None:
    page = client.get("/auth/login").get_data(as_text=True)
    content = re.search(r'<meta name="htmx-config" content=\'([^\']*)\'>', page)
    assert content is not None
    config = json.loads(html.unescape(content.group(1)))
    assert config["includeIndicatorStyles"] is False and config["allowEval"] is False
    assert config["historyCacheSize"] == 0 and config["timeout"] == 20000
    # 4xx answers (a form with its errors, a toast) are shown; 5xx are shown as errors.
    assert {"code": "4..", "swap": True, "error": False} in config["responseHandling"]
    assert {"code": "5..", "swap": True, "error": True} in config["responseHandling"]
    assert "htmx.config" not in APP_JS


def test_the_csrf_header_comes_only_from_hx_headers(client: FlaskClient) -> None:
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)">', page)
    assert token is not None
    assert page.count("X-CSRFToken") == 1
    assert f'<body hx-headers=\'{{"X-CSRFToken": "{token.group(1)}"}}\'>' in page
    assert "configRequest" not in APP_JS  # no second source of the header
