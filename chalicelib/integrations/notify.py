"""Where notifications go out: SES e-mail, SNS SMS, or a local log in the table.

`Notifier.send(message)` returns the provider's message id or raises `SendError`. The message
text is already rendered and masked by `chalicelib.services.care.notifications`.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol


class SendError(Exception):
    """A send that failed and may succeed later (throttling, a provider outage)."""


@dataclass(frozen=True)
class Message:
    channel: str  # email | sms
    to: str
    subject: str
    text: str


class Notifier(Protocol):
    def send(self, message: Message) -> str: ...


@dataclass
class SesEmail:
    """E-mail through SES SendEmail (UTF-8 subject and body)."""

    sender: str
    client: Any = None

    def send(self, message: Message) -> str:
        from chalicelib import aws

        ses = self.client or aws.client("ses")
        try:
            resp = ses.send_email(
                Source=self.sender,
                # An agency's staff share one message: `to` is an RFC 5322 address list.
                Destination={"ToAddresses": [a.strip() for a in message.to.split(",") if a]},
                Message={
                    "Subject": {"Data": message.subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": message.text, "Charset": "UTF-8"}},
                },
            )
        except Exception as exc:
            raise SendError(type(exc).__name__) from exc
        return str(resp.get("MessageId", ""))


@dataclass
class SnsSms:
    """SMS through SNS Publish to a phone number (transactional, with a sender id)."""

    sender_id: str = "HAUGIANG"
    client: Any = None

    def send(self, message: Message) -> str:
        from chalicelib import aws

        sns = self.client or aws.client("sns")
        try:
            resp = sns.publish(
                PhoneNumber=message.to,
                Message=message.text,
                MessageAttributes={
                    "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
                    "AWS.SNS.SMS.SenderID": {"DataType": "String", "StringValue": self.sender_id},
                },
            )
        except Exception as exc:
            raise SendError(type(exc).__name__) from exc
        return str(resp.get("MessageId", ""))


@dataclass
class TableLog:
    """`make run` without a mail server: each send is an item `NOTIFYLOG` / `<at>#<id>` that the
    staff console can list with one Query."""

    client: Any
    table: str

    def send(self, message: Message) -> str:
        mid = uuid.uuid4().hex
        at = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        self.client.put_item(
            TableName=self.table,
            Item={
                "PK": {"S": "NOTIFYLOG"},
                "SK": {"S": f"{at}#{mid}"},
                "data": {
                    "S": json.dumps(
                        {**message.__dict__, "at": at, "message_id": mid}, ensure_ascii=False
                    )
                },
            },
        )
        return mid


@dataclass
class Router:
    """E-mail to one notifier, SMS to another."""

    email: Notifier
    sms: Notifier | None = None

    def send(self, message: Message) -> str:
        if message.channel == "sms":
            if self.sms is None:
                raise SendError("sms_unavailable")
            return self.sms.send(message)
        return self.email.send(message)


@dataclass
class MemoryNotifier:
    """Tests: keeps what it sends; `fail` > 0 fails that many sends first."""

    sent: list[Message] = field(default_factory=list)
    fail: int = 0

    def send(self, message: Message) -> str:
        if self.fail > 0:
            self.fail -= 1
            raise SendError("simulated failure")
        self.sent.append(message)
        return uuid.uuid4().hex
