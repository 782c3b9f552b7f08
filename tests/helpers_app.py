"""Helpers to drive the real Chalice app in process: signed-in clients, uploads, queue delivery."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from chalice.test import Client

ROOT = Path(__file__).resolve().parent.parent
FORM_EXAMPLES: dict[str, dict[str, Any]] = json.loads(
    (ROOT / "data" / "demo" / "form_examples.json").read_text(encoding="utf-8")
)


def minimal_pdf() -> bytes:
    """A tiny but real PDF (magic bytes and structure)."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def text_pdf(line: str) -> bytes:
    """A real one-page PDF whose text is `line` (ASCII): an agency's licence standing in a test."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=16)
    pdf.cell(0, 10, line)
    return bytes(pdf.output())


def pdf_text(data: bytes) -> str:
    """The text of every page of a PDF (pypdf)."""
    import io

    from pypdf import PdfReader

    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def minimal_png() -> bytes:
    """A real 8x8 PNG image."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


def sample_file(accepted_types: list[str]) -> tuple[bytes, str, str]:
    """A real file of a type the document accepts: (content, content type, extension)."""
    if "application/pdf" in accepted_types:
        return minimal_pdf(), "application/pdf", "pdf"
    return minimal_png(), "image/png", "png"


@dataclass
class Reply:
    status_code: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class ApiClient:
    """A thin wrapper over chalice.test.Client that signs in and adds Idempotency-Key."""

    client: Client
    accounts: dict[str, dict[str, Any]]
    token: str | None = None
    _tokens: dict[str, str] = field(default_factory=dict)

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        h = {"Content-Type": "application/json"}
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        h.update(extra or {})
        return h

    def get(self, path: str, headers: dict[str, str] | None = None) -> Reply:
        r = self.client.http.get(path, headers=self._headers(headers))
        return Reply(r.status_code, dict(r.headers), r.body)

    def post(
        self,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        idempotency_key: str | None = "auto",
    ) -> Reply:
        h = self._headers(headers)
        if idempotency_key == "auto":
            h["Idempotency-Key"] = uuid.uuid4().hex
        elif idempotency_key:
            h["Idempotency-Key"] = idempotency_key
        raw = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
        r = self.client.http.post(path, headers=h, body=raw)
        return Reply(r.status_code, dict(r.headers), r.body)

    def delete(self, path: str, headers: dict[str, str] | None = None) -> Reply:
        r = self.client.http.request("DELETE", path, headers=self._headers(headers))
        return Reply(r.status_code, dict(r.headers), r.body)

    def sign_in(self, username: str, password: str | None = None) -> Reply:
        pw = password if password is not None else self.accounts[username]["password"]
        return self.post("/api/auth/signin", {"username": username, "password": pw})

    def as_user(self, username: str) -> ApiClient:
        if username not in self._tokens:
            r = self.sign_in(username)
            assert r.status_code == 200, r.text
            self._tokens[username] = r.json()["id_token"]
        return ApiClient(self.client, self.accounts, self._tokens[username], self._tokens)

    def anonymous(self) -> ApiClient:
        return ApiClient(self.client, self.accounts, None, self._tokens)


def upload_file(slot: dict[str, Any], content: bytes, content_type: str) -> None:
    """Do what the browser does with a presigned POST slot."""
    resp = requests.post(
        slot["url"],
        data=slot["fields"],
        files={"file": ("upload", content, content_type)},
        timeout=10,
    )
    assert resp.status_code in (200, 201, 204), resp.text


def deliver(client: Client, sqs: Any, queue_url: str, handler: str, max_batches: int = 5) -> int:
    """Receive what is queued and invoke the same handler Lambda would; delete on success."""
    delivered = 0
    for _ in range(max_batches):
        msgs = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
        ).get("Messages", [])
        if not msgs:
            break
        for m in msgs:
            event = client.events.generate_sqs_event(
                message_bodies=[m["Body"]], queue_name=queue_url.rsplit("/", 1)[-1]
            )
            client.lambda_.invoke(handler, event)
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
            delivered += 1
    return delivered


def deliver_workflow(api: ApiClient, cloud: Any) -> int:
    """One round of the event pump: workflow messages and upload events to their handlers."""
    import time

    n = deliver(api.client, cloud.sqs, cloud.outputs.workflow_queue_url, "on_workflow_message")
    n += deliver(api.client, cloud.sqs, cloud.outputs.uploads_queue_url, "on_upload_event")
    if n == 0:
        time.sleep(0.1)  # give the execution's thread a moment; bounded by the caller's loop
    return n


def attach_required_documents(client: ApiClient, dossier_path: str, proc: dict[str, Any]) -> None:
    """Upload a real file for each required document under `dossier_path` and finalize it."""
    upload_required_papers(client.post, dossier_path, proc["documents"])


def upload_required_papers(
    post: Callable[[str, Any], Any], dossier_path: str, documents: list[dict[str, Any]]
) -> None:
    """The wizard's papers step through any client whose `post(path, body)` answers with
    `status_code`, `text` and `json()`: the in-process app or the live stack over HTTP."""
    for doc in documents:
        if not doc.get("required", True):
            continue
        content, ctype, ext = sample_file(doc["accepted_types"])
        slot = post(
            f"{dossier_path}/uploads",
            {
                "document_id": doc["id"],
                "filename": f"{doc['id']}.{ext}",
                "content_type": ctype,
                "size": len(content),
            },
        )
        assert slot.status_code == 201, slot.text
        upload_file(slot.json(), content, ctype)
        fin = post(f"{dossier_path}/attachments/{slot.json()['attachment_id']}/finalize", {})
        assert fin.status_code == 200, fin.text
        assert fin.json()["state"] == "accepted"


# The desk says explicitly that it collected the fee, with the biên lai number (the API records a
# fee as paid only then; without it a fee-bearing dossier awaits its fee, status 6).
FEE_PAID_AT_DESK = {"fee_collected": True, "fee_method": "cash", "receipt_no": "BL-TEST-1"}


def accept_and_start(
    api: ApiClient, cloud: Any, dossier_id: str, at: Any, desk: str = "motcua"
) -> dict[str, Any]:
    """Accept a dossier at legal time `at` and let the execution start its first step at that same
    legal time (a step's window opens when it really starts), then restore the real clock."""
    from datetime import UTC, datetime

    from chalicelib.services.deps import any_deps, get_deps, set_deps

    set_deps(any_deps(clock=lambda: at))
    try:
        r = api.as_user(desk).post(f"/api/desk/dossiers/{dossier_id}/accept", FEE_PAID_AT_DESK)
        assert r.status_code == 200, r.text
        for _ in range(100):
            deliver_workflow(api, cloud)
            d = get_deps().store.get_dossier(dossier_id)
            if any(s.state.value == "active" for s in d.steps) or d.status is None:
                break
        assert any(s.state.value == "active" for s in d.steps), d.status
    finally:
        set_deps(any_deps(clock=lambda: datetime.now(UTC)))
    body: dict[str, Any] = r.json()
    return body


def return_when_ready(
    api: ApiClient,
    cloud: Any,
    dossier_id: str,
    desk: str = "motcua",
    body: dict[str, Any] | None = None,
) -> Any:
    """Pump the workflow until the signed result exists (made after status 9), then return it
    through `body`'s channel (default: online, to the applicant's account)."""
    import time

    from chalicelib.services.deps import get_deps

    deadline = time.monotonic() + 90  # bounded by time, not rounds: a loaded machine is slower
    while time.monotonic() < deadline:
        if get_deps().store.get_dossier(dossier_id).result is not None:
            break
        deliver_workflow(api, cloud)
    return api.as_user(desk).post(
        f"/api/desk/dossiers/{dossier_id}/return", body or {"channel": "online"}
    )
