"""Drive the real Chalice app in process: a signed-in client with Idempotency-Key, the browser's
presigned upload, and one round of the event pump (queued messages to the handlers Lambda would
call)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import requests
from chalice.test import Client


@dataclass
class Reply:
    """An answer of the in-process app (or the app behind a signed call)."""

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

    def put(self, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Reply:
        raw = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
        r = self.client.http.request("PUT", path, headers=self._headers(headers), body=raw)
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
