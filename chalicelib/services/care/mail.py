"""A tiny e-mail adapter: SES in the cloud and on moto/LocalStack, a list in tests.

The sender must be an SES-verified identity (`infra/provision.py` verifies REPORT_SENDER locally).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


class Mailer(Protocol):
    def send(
        self,
        *,
        sender: str,
        recipients: list[str],
        subject: str,
        text: str,
        attachments: list[Attachment] | None = None,
    ) -> str: ...


def build_message(
    sender: str,
    recipients: list[str],
    subject: str,
    text: str,
    attachments: list[Attachment] | None = None,
) -> bytes:
    """A MIME message (UTF-8 text plus attachments) as bytes for SendRawEmail."""
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = subject
    msg.set_content(text, charset="utf-8")
    for a in attachments or []:
        maintype, _, subtype = a.content_type.partition("/")
        msg.add_attachment(a.data, maintype=maintype, subtype=subtype, filename=a.filename)
    return msg.as_bytes()


@dataclass
class SesMailer:
    """Sends through SES SendRawEmail (attachments need the raw form)."""

    def send(
        self,
        *,
        sender: str,
        recipients: list[str],
        subject: str,
        text: str,
        attachments: list[Attachment] | None = None,
    ) -> str:
        from chalicelib import aws

        raw = build_message(sender, recipients, subject, text, attachments)
        resp = aws.client("ses").send_raw_email(
            Source=sender, Destinations=recipients, RawMessage={"Data": raw}
        )
        return str(resp.get("MessageId", ""))


@dataclass
class MemoryMailer:
    """Keeps what it would send (tests, dry runs)."""

    sent: list[dict[str, object]] = field(default_factory=list)

    def send(
        self,
        *,
        sender: str,
        recipients: list[str],
        subject: str,
        text: str,
        attachments: list[Attachment] | None = None,
    ) -> str:
        self.sent.append(
            {
                "sender": sender,
                "recipients": recipients,
                "subject": subject,
                "text": text,
                "attachments": attachments or [],
            }
        )
        return f"memory-{len(self.sent)}"
