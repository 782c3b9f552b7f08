"""Sign in at the VNeID twin without a browser: follow its redirects and post its login form, as
a browser would, and hand back what the provider sends to the redirect URI (code, state)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urljoin, urlparse

import requests

FORM_ACTION = re.compile(r'<form method="post" action="([^"]+)"')


def sign_in_at_twin(
    authorization_url: str, id_number: str, password: str, redirect_uri: str
) -> dict[str, str]:
    """The query the provider redirects back with ({code, state, iss} or {error, ...})."""
    browser = requests.Session()
    resp = browser.get(authorization_url, allow_redirects=True, timeout=10)
    resp.raise_for_status()
    action = FORM_ACTION.search(resp.text)
    assert action, f"no login form at {resp.url}"
    url = urljoin(resp.url, action.group(1))
    resp = browser.post(
        url, data={"login": id_number, "password": password}, allow_redirects=False, timeout=10
    )
    for _ in range(10):  # login → auth → consent → auth → redirect_uri
        location = resp.headers.get("location")
        if resp.status_code not in (302, 303) or not location:
            raise AssertionError(f"sign-in stopped at {resp.status_code}: {resp.text[:300]}")
        target = urljoin(resp.url, location)
        if target.startswith(redirect_uri):
            query = parse_qs(urlparse(target).query)
            return {k: v[0] for k, v in query.items()}
        resp = browser.get(target, allow_redirects=False, timeout=10)
    raise AssertionError("too many redirects")
