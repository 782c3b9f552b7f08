"""The local stack's mailbox (`make run` only, setting `local_mail`): a page that shows a tester
the e-mails the system wrote for an address or an account (the notification outbox), newest
first, such as a password-reset code, since the local cloud delivers no e-mail anywhere a person
can read it. Everywhere else the route answers 404 like any unknown page.
"""

from __future__ import annotations

from html import escape
from typing import Any

from chalicelib.domain.errors import NotFound
from chalicelib.services.container import Deps


def _recipients(deps: Deps, to: str) -> list[str]:
    """The outbox partitions of `to`: an e-mail as written, a username's account (its sub) and
    its e-mail."""
    if "@" in to:
        return [to]
    from chalicelib.services.identity.accounts import attributes

    attrs = attributes(deps, to)
    return [v for v in (attrs.get("sub"), attrs.get("email")) if v]


def messages(deps: Deps, to: str, limit: int = 20) -> list[dict[str, Any]]:
    from chalicelib.services.care.notifications import outbox_for

    found = [m for r in _recipients(deps, to.strip()) for m in outbox_for(deps, r, limit)]
    found.sort(key=lambda m: str(m.get("at", "")), reverse=True)
    return found[:limit]


def mailbox_page(deps: Deps, to: str) -> str:
    if not deps.settings.local_mail:
        raise NotFound("Không tìm thấy.", "Not found.")
    rows = messages(deps, to) if to.strip() else []
    items = "".join(
        f'<article class="mail"><h2>{escape(str(m.get("subject_vi", "")))}</h2>'
        f'<p class="meta">{escape(str(m.get("at", "")))} · {escape(str(m.get("recipient", "")))}'
        f" · {escape(str(m.get('state', '')))}</p>"
        f"<pre>{escape(str(m.get('message_vi', '')))}</pre></article>"
        for m in rows
    )
    if to.strip() and not rows:
        items = "<p>Chưa có thư nào.</p>"
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Hộp thư thử nghiệm</title><style>"
        "body{font-family:system-ui,sans-serif;max-width:46rem;margin:1rem auto;padding:0 1rem}"
        ".mail{border:1px solid #ccd;border-radius:6px;padding:.5rem 1rem;margin:.75rem 0}"
        ".meta{color:#555;font-size:.9rem}pre{white-space:pre-wrap;font:inherit}"
        "</style></head><body><main><h1>Hộp thư thử nghiệm (chỉ môi trường cục bộ)</h1>"
        "<p>Thư hệ thống đã gửi cho một địa chỉ e-mail hoặc tên đăng nhập.</p>"
        '<form method="get"><label for="to">E-mail hoặc tên đăng nhập</label> '
        f'<input id="to" name="to" value="{escape(to)}"> <button type="submit">Xem thư</button>'
        f'</form><div id="mail">{items}</div></main></body></html>'
    )
