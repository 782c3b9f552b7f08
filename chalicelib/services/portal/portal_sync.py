"""National portal (Cổng DVCQG) sync: every committed change → a packet → SQS → the portal.

- `on_history_events` (the store's commit hook, via `deps._notify_applied`) builds the packet of
  the dossier's new version (`domain.portal_sync`), marks the sync state pending and sends the
  packet to the portal-sync queue. It never raises: if SQS fails the state stays pending and
  `sweep` (a schedule) re-sends pending packets older than `portal_sync_sweep_after_seconds`,
  found by a GSI1 Query, never a Scan.
- `handle_message` (the queue consumer, one record) skips a packet not newer than the last synced
  version, POSTs it with retries and backoff inside the call (`NationalPortalClient`), and records
  the outcome. A portal outage raises, so SQS redelivers; on the queue's last receive the state
  becomes failed, and SQS then moves the message to the DLQ. A 4xx refusal or a missing portal URL
  fails at once (redelivery would not help) and the message is dropped; redrive re-sends it.
- The first accepted packet of a received dossier adds 1 to the monthly counter `synced` (lead
  agency, VN month of receipt, procedure) in the same transaction as the state: the QĐ 766
  indicator "synced received dossiers / received dossiers" reads it.
- `ops_view` and `redrive` serve the admin routes.

Logs name the dossier code and version only: packets carry the applicant's name and ID number.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.domain import lien_thong
from chalicelib.domain import portal_sync as rules
from chalicelib.domain.errors import NotFound
from chalicelib.integrations.national_portal import (
    NationalPortal,
    NationalPortalClient,
    NotConfigured,
    Refused,
    SyncError,
    Unavailable,
)
from chalicelib.store.portal_sync import PortalSyncStore

if TYPE_CHECKING:
    from chalicelib.domain.dossier import Dossier, HistoryEvent
    from chalicelib.services.container import Deps

log = logging.getLogger(__name__)

MESSAGE_TYPE = "portal_sync"
_urls: dict[tuple[str, ...], str] = {}
_urls_lock = threading.Lock()


def sync_store(deps: Deps) -> PortalSyncStore:
    return PortalSyncStore(deps.store.client, deps.store.table)


_secrets: dict[tuple[str, str], dict[str, str]] = {}


def portal_secrets(deps: Deps) -> dict[str, str]:
    """The portal's secrets (client_secret, push_secret) from Secrets Manager or SSM, read once
    per process and per secret id. With NATIONAL_PORTAL_PUSH_SECRET_PARAM (the API function
    only), `push_secret` is that SSM SecureString instead. Never logged."""
    from chalicelib.integrations.national_portal import read_parameter, read_secret

    ref = deps.settings.national_portal_secret_id
    param = deps.settings.national_portal_push_secret_param
    with _urls_lock:
        if (ref, param) not in _secrets:
            found = read_secret(ref)
            if param:
                found["push_secret"] = read_parameter(param)
            _secrets[(ref, param)] = found
        return _secrets[(ref, param)]


def forget_secrets() -> None:
    """Rotation (and tests): the next call reads the secret again."""
    with _urls_lock:
        _secrets.clear()


def make_client(deps: Deps) -> NationalPortalClient:
    """The portal client from settings (tests replace this function to inject the sleep).
    With a client id, the token comes from the portal's token endpoint (client credentials)."""
    from chalicelib.integrations.national_portal import PATHS, ClientCredentials

    s = deps.settings
    client = NationalPortalClient(
        url=s.national_portal_url,
        token=s.national_portal_token,
        timeout_seconds=s.national_portal_timeout_seconds,
        attempts=s.national_portal_attempts,
    )
    if s.national_portal_client_id and s.national_portal_url:
        client.credentials = ClientCredentials(
            token_url=client.base_url + PATHS["token"],
            client_id=s.national_portal_client_id,
            client_secret=portal_secrets(deps).get("client_secret", ""),
            timeout_seconds=s.national_portal_timeout_seconds,
        )
    return client


def portal(deps: Deps) -> NationalPortal:
    """The portal adapter: Deps' own, else the HTTP client from settings."""
    return deps.national_portal if deps.national_portal is not None else make_client(deps)


# ---- the queue ----------------------------------------------------------------------------------
def _sqs() -> Any:
    from chalicelib import aws

    return aws.client("sqs")


def queue_name(deps: Deps) -> str:
    import os

    return deps.settings.portal_sync_queue_name or (
        f"{os.environ.get('STACK_NAME', 'tthc')}-portal-sync"
    )


def queue_url(deps: Deps) -> str:
    """The portal-sync queue: PORTAL_SYNC_QUEUE_URL, else looked up by name once per process."""
    if deps.settings.portal_sync_queue_url:
        return deps.settings.portal_sync_queue_url
    key = (deps.settings.region, deps.settings.endpoint_url or "", queue_name(deps))
    with _urls_lock:
        if key not in _urls:
            _urls[key] = str(_sqs().get_queue_url(QueueName=key[2])["QueueUrl"])
        return _urls[key]


def dlq_url(deps: Deps) -> str:
    """The dead-letter queue, from the queue's own redrive policy (one definition of it)."""
    main = queue_url(deps)
    key = ("dlq", main)
    with _urls_lock:
        if key not in _urls:
            attrs = _sqs().get_queue_attributes(QueueUrl=main, AttributeNames=["RedrivePolicy"])
            policy = json.loads(attrs["Attributes"]["RedrivePolicy"])
            name = str(policy["deadLetterTargetArn"]).rsplit(":", 1)[-1]
            _urls[key] = str(_sqs().get_queue_url(QueueName=name)["QueueUrl"])
        return _urls[key]


# ---- producing ----------------------------------------------------------------------------------
def packet_for(
    deps: Deps, dossier: Dossier, new_events: Iterable[HistoryEvent] = ()
) -> dict[str, Any]:
    """The packet of the dossier as given, with the stored history (and the events just
    committed, in case the read is behind)."""
    history = rules.merge_history(deps.store.history(dossier.id), new_events)
    try:
        procedure = deps.store.get_procedure(dossier.procedure_code, dossier.procedure_version)
    except NotFound:
        procedure = None
    result_url = None
    if dossier.result is not None:
        from chalicelib.documents.result import verify_url

        result_url = verify_url(deps.settings.public_base_url, dossier.result.id)
    units = deps.store.list_units()
    return rules.build_packet(
        dossier,
        history,
        procedure,
        unit_names={u.code: u.name for u in units},
        result_url=result_url,
        external_units=lien_thong.systems_of(units),
    )


def message_for(packet: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": MESSAGE_TYPE,
        "dossier_id": packet["packet_id"],
        "version": packet["version"],
        "code": packet["MaHoSo"],
        "agency": packet["DonViXuLy"],
        "procedure": packet["MaTTHC"],
        "received_month": rules.received_month(packet),
        "packet": dict(packet),
    }


def _pending(deps: Deps, msg: Mapping[str, Any], at: datetime) -> bool:
    return sync_store(deps).mark_pending(
        str(msg["dossier_id"]),
        int(msg["version"]),
        str(msg["code"]),
        str(msg["agency"]),
        str(msg["procedure"]),
        at,
    )


def send_to_queue(deps: Deps, message: Mapping[str, Any]) -> None:
    _sqs().send_message(
        QueueUrl=queue_url(deps),
        MessageBody=json.dumps(message, ensure_ascii=False, separators=(",", ":")),
    )


def enqueue(deps: Deps, dossier: Dossier, new_events: Iterable[HistoryEvent] = ()) -> bool:
    """Pending + queued. False when a newer packet is known already (nothing sent). Raises if
    the queue is unreachable (the state stays pending for the sweep)."""
    packet = packet_for(deps, dossier, new_events)
    msg = message_for(packet)
    if not _pending(deps, msg, deps.clock()):
        return False
    send_to_queue(deps, msg)
    return True


def on_history_events(deps: Deps, dossier: Dossier, events: Iterable[HistoryEvent]) -> bool:
    """The commit hook: queue the new version's packet. Never raises (the change is committed)."""
    if dossier.status is None:
        return False
    try:
        return enqueue(deps, dossier, list(events))
    except Exception:
        log.exception(
            "portal sync of %s v%d not queued; the sweep will resend it",
            dossier.code or dossier.id,
            dossier.version,
        )
        return False


# ---- consuming ----------------------------------------------------------------------------------
def handle_message(
    deps: Deps,
    message: Mapping[str, Any],
    receive_count: int = 1,
    client: NationalPortal | None = None,
    portal_down: SyncError | None = None,
) -> str:
    """Deliver one queued packet: "synced", "skipped" (not newer than synced) or "failed"
    (refused or not configured; not retried). Raises SyncError while SQS should retry.

    `portal_down`: an earlier record of the same batch found the portal down; this one fails the
    same way without waiting for its own timeouts (the batch must fit the function's timeout)."""
    if message.get("type") != MESSAGE_TYPE or not isinstance(message.get("packet"), dict):
        log.error("portal sync: not a sync message; dropped")
        return "skipped"
    store = sync_store(deps)
    dossier_id, version = str(message["dossier_id"]), int(message["version"])
    packet = message["packet"]
    what = rules.describe(packet)
    state = store.get(dossier_id)
    if state is not None and state.synced_version >= version:
        log.info("portal sync: %s not newer than synced v%d; skipped", what, state.synced_version)
        return "skipped"
    sender = client or portal(deps)
    now = deps.clock
    try:
        if portal_down is not None:
            raise portal_down
        sender.send(packet)
    except (NotConfigured, Refused) as exc:
        store.record_failure(dossier_id, version, exc.message_vi, now(), final=True)
        log.error("portal sync: %s failed for good: %s", what, exc)
        return "failed"
    except SyncError as exc:
        final = receive_count >= deps.settings.portal_sync_max_receives
        store.record_failure(dossier_id, version, exc.message_vi, now(), final=final)
        log.warning(
            "portal sync: %s delivery %d of %d failed%s",
            what,
            receive_count,
            deps.settings.portal_sync_max_receives,
            "; it goes to the dead-letter queue" if final else "; SQS will retry",
        )
        raise
    month = message.get("received_month")
    count = (str(message["agency"]), str(month), str(message["procedure"])) if month else None
    store.mark_synced(dossier_id, version, now(), count=count)
    log.info("portal sync: %s synced", what)
    return "synced"


def handle_batch(deps: Deps, event: Any, client: NationalPortal | None = None) -> Any:
    """The queue consumer: Powertools' BatchProcessor, so only failed records return to SQS."""
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    raw = event.to_dict() if hasattr(event, "to_dict") else event
    sender = client or portal(deps)
    down: list[SyncError] = []

    def one(record: Any) -> None:
        count = int(record.attributes.approximate_receive_count or 1)
        try:
            handle_message(deps, json.loads(record.body), count, sender, down[0] if down else None)
        except Unavailable as exc:
            down[:1] = [exc]
            raise

    return process_partial_response(
        event=raw,
        record_handler=one,
        processor=BatchProcessor(event_type=EventType.SQS),
        context=getattr(event, "context", None),
    )


# ---- the sweep and redrive ----------------------------------------------------------------------
def _resend_latest(deps: Deps, dossier_id: str) -> tuple[int, dict[str, Any]] | None:
    try:
        dossier = deps.store.get_dossier(dossier_id)
    except NotFound:
        return None
    if dossier.status is None:
        return None
    msg = message_for(packet_for(deps, dossier))
    return dossier.version, msg


def sweep(deps: Deps, now: datetime | None = None, limit: int = 100) -> int:
    """Re-send pending packets untouched for `portal_sync_sweep_after_seconds` (SQS was down, or
    the hook's process died). Returns how many were re-sent."""
    at = now or deps.clock()
    before = at - timedelta(seconds=deps.settings.portal_sync_sweep_after_seconds)
    store = sync_store(deps)
    sent = 0
    for st in store.pending_before(before, limit):
        latest = _resend_latest(deps, st.dossier_id)
        if latest is None:
            continue
        version, msg = latest
        if version > st.latest_version:
            store.mark_pending(
                st.dossier_id, version, msg["code"], msg["agency"], msg["procedure"], at
            )
        elif not store.touch_pending(st.dossier_id, st.latest_version, at):
            continue  # synced or superseded meanwhile
        try:
            send_to_queue(deps, msg)
        except Exception:
            log.exception("portal sync sweep: %s not queued", st.code)
            continue
        sent += 1
    return sent


def ops_view(deps: Deps, limit: int = 20, cursor: str | None = None) -> dict[str, Any]:
    """Counts by state (pending, failed; synced today) and one page of the failed list."""
    store = sync_store(deps)
    failed, nxt = store.list_failed(limit, cursor, deps.settings)
    return {
        "counts": store.state_counts(deps.clock()),
        "failed": [s.to_public() for s in failed],
        "next": nxt,
    }


def redrive(deps: Deps, now: datetime | None = None, max_messages: int = 500) -> dict[str, int]:
    """Move the DLQ's messages back to the queue (receive, re-send, delete), then re-queue the
    latest packet of every failed dossier that had none there (refused, or not configured)."""
    at = now or deps.clock()
    sqs, store, dlq = _sqs(), sync_store(deps), dlq_url(deps)
    moved = 0
    back: set[str] = set()
    while moved < max_messages:
        msgs = sqs.receive_message(
            QueueUrl=dlq, MaxNumberOfMessages=10, WaitTimeSeconds=0, VisibilityTimeout=60
        ).get("Messages", [])
        if not msgs:
            break
        for m in msgs:
            try:
                body = json.loads(m["Body"])
            except ValueError:
                body = {}
            if body:
                send_to_queue(deps, body)
            if body.get("dossier_id") and store.requeue_failed(
                str(body["dossier_id"]), int(body.get("version", 0)), at
            ):
                back.add(str(body["dossier_id"]))
            sqs.delete_message(QueueUrl=dlq, ReceiptHandle=m["ReceiptHandle"])
            moved += 1
    requeued = 0
    for st in store.failed_all():
        if st.dossier_id in back:
            continue
        latest = _resend_latest(deps, st.dossier_id)
        if latest is None:
            continue
        version, msg = latest
        if not store.requeue_failed(st.dossier_id, version, at):
            continue
        if version > st.latest_version:
            store.mark_pending(
                st.dossier_id, version, msg["code"], msg["agency"], msg["procedure"], at
            )
        send_to_queue(deps, msg)
        requeued += 1
    log.info("portal sync redrive: %d from the DLQ, %d failed dossiers re-queued", moved, requeued)
    return {"moved_from_dlq": moved, "requeued": requeued, "total": moved + requeued}
