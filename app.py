"""The Chalice app: routes by audience, queue consumers, schedules. Nothing heavy at import time.

Every Lambda of the system imports this module, so use cases, boto3 and document renderers are
imported inside the handlers that need them.
"""

from __future__ import annotations

import json
import os
from typing import Any

from chalice import Chalice
from chalice.app import CloudWatchEvent, SQSEvent

from chalicelib.api import context, http
from chalicelib.api.routes import agency_api as routes_agency_api
from chalicelib.api.routes import payments as routes_payments
from chalicelib.api.routes import portal_intake as routes_portal_intake
from chalicelib.api.routes import reports as routes_reports
from chalicelib.api.routes.account import bp as account_routes
from chalicelib.api.routes.admin import bp as admin_routes
from chalicelib.api.routes.audit import bp as audit_routes
from chalicelib.api.routes.care import bp as care_routes
from chalicelib.api.routes.feedback import bp as feedback_routes
from chalicelib.api.routes.lifecycle import bp as lifecycle_routes
from chalicelib.api.routes.ops import bp as ops_routes
from chalicelib.api.routes.people import bp as people_routes
from chalicelib.api.routes.portal_sync import bp as portal_sync_routes
from chalicelib.api.routes.privacy import bp as privacy_routes
from chalicelib.api.routes.procedures_admin import bp as procedure_admin_routes
from chalicelib.api.routes.public import bp as public_routes
from chalicelib.api.routes.results import bp as results_routes
from chalicelib.api.routes.vneid import bp as vneid_routes

# Powertools owns the "tthc" logger (masked JSON); Chalice must not add its handler or level.
app = Chalice(app_name="tthc", configure_logs=False)
app.api.binary_types.extend(["application/pdf", "image/png", "image/jpeg"])
context.bind(app)
http.install(app, verifier_provider=context.verifier)
app.register_blueprint(public_routes)
app.register_blueprint(people_routes)
app.register_blueprint(lifecycle_routes)
app.register_blueprint(procedure_admin_routes)
app.register_blueprint(results_routes)
app.register_blueprint(audit_routes)
app.register_blueprint(feedback_routes)
app.register_blueprint(care_routes)
app.register_blueprint(privacy_routes)
app.register_blueprint(account_routes)
app.register_blueprint(portal_sync_routes)
app.register_blueprint(ops_routes)
app.register_blueprint(admin_routes)
app.register_blueprint(vneid_routes)
routes_agency_api.install(app)
routes_reports.install(app)
routes_payments.install(app)
routes_portal_intake.install(app)

_STACK = os.environ.get("STACK_NAME", "tthc")


# batch_size: infra/resources.py's Queue.batch_size is the deployed value (the template's event
# source mapping); it is repeated here for `chalice local` and checked equal by a test.
@app.on_sqs_message(
    queue=os.environ.get("WORKFLOW_QUEUE_NAME", f"{_STACK}-workflow"), batch_size=10
)
def on_workflow_message(event: SQSEvent) -> dict[str, Any]:
    """Messages from the dossier state machine: task tokens, alarms, completion. Each is parsed
    once into its model (chalicelib/workflow/messages.py); one that is not a workflow message is
    logged and fails, so it dead-letters. Only the messages that failed return to the queue
    (partial batch response)."""
    from chalicelib.api.http import get_logger
    from chalicelib.aws import process_sqs_batch
    from chalicelib.services.deps import get_deps
    from chalicelib.services.dossier.processing import on_workflow_message as handle
    from chalicelib.workflow.messages import InvalidWorkflowMessage, parse_message

    logger = get_logger()

    def one(record: Any) -> None:
        try:
            message = parse_message(record.body)
        except InvalidWorkflowMessage as exc:
            logger.error("workflow message rejected", extra={"errors": exc.errors})
            raise
        logger.thread_safe_append_keys(correlation_id=message.dossier_code)
        logger.info("workflow message", extra={"type": message.type})
        handle(get_deps(), message)

    return process_sqs_batch(event, one)


@app.on_sqs_message(queue=os.environ.get("UPLOAD_QUEUE_NAME", f"{_STACK}-uploads"), batch_size=10)
def on_upload_event(event: SQSEvent) -> dict[str, Any]:
    """S3 ObjectCreated notifications: re-check each upload as soon as it lands. Only the
    notifications that failed return to the queue (partial batch response)."""
    from urllib.parse import unquote_plus

    from chalicelib.aws import process_sqs_batch
    from chalicelib.services.deps import get_deps
    from chalicelib.services.dossier.dossiers import finalize_by_key

    def one(record: Any) -> None:
        payload: dict[str, Any] = json.loads(record.body)
        for rec in payload.get("Records", []):  # an s3:TestEvent has none
            key = unquote_plus(rec.get("s3", {}).get("object", {}).get("key", ""))
            if key:
                finalize_by_key(get_deps(), key)

    return process_sqs_batch(event, one)


@app.schedule("cron(0 0 ? * MON-FRI *)")
def on_daily_digest(event: CloudWatchEvent) -> None:
    """07:00 Asia/Ho_Chi_Minh (UTC+7, no DST) on weekdays; a holiday weekday sends nothing."""
    from chalicelib.services.care.digest import run_scheduled_digest
    from chalicelib.services.deps import get_deps

    run_scheduled_digest(get_deps(), event.time)


@app.schedule("cron(30 1 * * ? *)")
def on_reminders(event: CloudWatchEvent) -> None:
    """08:30 Asia/Ho_Chi_Minh (UTC+7) every day: reminders to citizens before an appointment, a
    supplement or a fee deadline (NĐ 224/2026 Đ16); each reminder is written once."""
    from chalicelib.services.care.reminders import run_scheduled_reminders
    from chalicelib.services.deps import get_deps

    run_scheduled_reminders(get_deps(), event.time)


@app.schedule("cron(0 1 * 6,11 ? *)")
def on_semiannual_report(event: CloudWatchEvent) -> None:
    """08:00 Asia/Ho_Chi_Minh daily in June and November; acts only on REPORT_DAY (default 20)."""
    from chalicelib.services.deps import get_deps
    from chalicelib.services.reporting.report import run_scheduled_report

    run_scheduled_report(get_deps(), event.time)


@app.schedule("cron(15 0-10 ? * MON-SAT *)")
def on_feedback_deadlines(event: CloudWatchEvent) -> None:
    """Feedback due-soon and overdue alerts, hourly in Vietnam working hours (07:15-17:15)."""
    from chalicelib.services.care.feedback import check_feedback_deadlines
    from chalicelib.services.deps import get_deps

    check_feedback_deadlines(get_deps())


@app.schedule("rate(1 minute)")
def on_notifications(event: CloudWatchEvent) -> None:
    """Drain the notification outbox (e-mail, SMS with consent); idempotent per item."""
    from datetime import UTC, datetime

    from chalicelib.services.care.notifications import run_scheduled
    from chalicelib.services.deps import get_deps

    run_scheduled(get_deps(), datetime.now(UTC))


@app.schedule("cron(0 19 * * ? *)")
def on_retention(event: CloudWatchEvent) -> None:
    """Retention job, 02:00 Asia/Ho_Chi_Minh nightly; bounded batch, resumes from its watermark."""
    from chalicelib.services.deps import get_deps
    from chalicelib.services.privacy.privacy_retention import run_retention

    run_retention(get_deps())


@app.schedule("cron(5 * * * ? *)")
def on_breach_deadlines(event: CloudWatchEvent) -> None:
    """Breach report reminders (72 h legal deadline): hourly, every day."""
    from chalicelib.services.deps import get_deps
    from chalicelib.services.privacy.privacy_breach import check_breach_deadlines

    check_breach_deadlines(get_deps())


@app.on_sqs_message(
    queue=os.environ.get("PORTAL_SYNC_QUEUE_NAME", f"{_STACK}-portal-sync"), batch_size=10
)
def on_portal_sync(event: SQSEvent) -> dict[str, Any]:
    """National portal (Cổng DVCQG) sync packets: POST each (retries inside), report only the
    failed records back to SQS (partial batch response); after maxReceiveCount, the DLQ."""
    from chalicelib.services.deps import get_deps
    from chalicelib.services.portal.portal_sync import handle_batch

    return dict(handle_batch(get_deps(), event))


@app.schedule("rate(5 minutes)")
def on_portal_sync_sweep(event: CloudWatchEvent) -> None:
    """Re-send portal sync packets left pending (the queue was unreachable at commit time)."""
    from chalicelib.services.deps import get_deps
    from chalicelib.services.portal.portal_sync import sweep

    sweep(get_deps())


@app.schedule("rate(5 minutes)")
def on_portal_intake_pull(event: CloudWatchEvent) -> None:
    """Pull mode: take in the dossiers submitted on the national portal, answer each."""
    from chalicelib.services.deps import get_deps
    from chalicelib.services.portal.portal_intake import pull

    if get_deps().settings.national_portal_url:
        pull(get_deps())


@app.schedule("cron(30 18 * * ? *)")
def on_portal_reconcile(event: CloudWatchEvent) -> None:
    """01:30 Vietnam time: compare our dossiers with the portal's TraCuuHoSo, re-send what
    differs, store the report for ops."""
    from chalicelib.services.deps import get_deps
    from chalicelib.services.portal.portal_reconcile import reconcile

    if get_deps().settings.national_portal_url:
        reconcile(get_deps())


@app.schedule("cron(0 20 * * ? *)")
def on_portal_catalogue(event: CloudWatchEvent) -> None:
    """03:00 Vietnam time: the national procedure database into pending changes."""
    from chalicelib.services.deps import get_deps
    from chalicelib.services.portal.portal_catalogue import import_catalogue

    if get_deps().settings.national_portal_url:
        import_catalogue(get_deps())
