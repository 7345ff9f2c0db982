"""htmx answers carry the current CSRF token (X-CSRF-Token), so an open page can follow a
renewed session (static/app.js copies the token into the page)."""

from __future__ import annotations

import re

from .client import Client

_HIDDEN_TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def test_htmx_answers_carry_the_token_and_pages_do_not(alice_client: Client) -> None:
    page = alice_client.get("/tasks")
    assert "X-CSRF-Token" not in page.headers
    fragment = alice_client.get("/tasks", headers={"HX-Request": "true"})
    assert fragment.headers["X-CSRF-Token"]


def test_the_token_after_a_password_change_is_the_new_sessions(alice_client: Client) -> None:
    old = alice_client.token()
    changed = alice_client.change_password("a new passphrase", htmx=True)
    assert changed.status_code == 200, changed.get_data(as_text=True)
    fresh = changed.headers["X-CSRF-Token"]
    hidden = _HIDDEN_TOKEN.findall(changed.get_data(as_text=True))
    assert hidden and set(hidden) == {fresh}

    # The old page's token is refused now; the one from the answer passes.
    headers = {"HX-Request": "true"}
    refused = alice_client.post(
        "/settings", data={"name": "A", "timezone": "UTC"}, headers={**headers, "X-CSRFToken": old}
    )
    assert refused.status_code == 400
    assert refused.headers["X-CSRF-Token"]  # the refusal brings the token to retry with
    saved = alice_client.post(
        "/settings",
        data={"name": "Alice L.", "timezone": "UTC"},
        headers={**headers, "X-CSRFToken": fresh},
    )
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert "Your profile has been saved." in saved.get_data(as_text=True)
