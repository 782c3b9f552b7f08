"""Concurrency under load: many submissions at once while staff race on the same dossiers.

Over HTTP against the local stack (moto server + the API + the event pump), citizens submit
dossiers of the one-step business procedure 2.001610 (draft, two presigned uploads, finalize,
submit) and the desk accepts each one, all from a thread pool; meanwhile racing pairs fire at the
same instant (a barrier) on dossiers prepared before the submissions start (submitted, or accepted
with the agency's task open, so no race waits on the workflow's backlog during the burst):

- ``double_accept``: two desk sessions accept the same submitted dossier;
- ``double_complete``: two agency sessions approve the same open step;
- ``extension_vs_complete``: the agency proposes an extension while approving the step;
- ``withdraw_vs_approve``: the citizen withdraws while the agency approves the last step.

Afterwards, from the store (boto3 on the stack's endpoint) and from Step Functions, it checks: every
acknowledged submission exists exactly once (nothing lost, nothing duplicated), dossier codes are
unique and gap-free per unit per day, every history is a legal path in the status table
(chalicelib.domain.statuses), each race has its winner(s) and every loser got 409 with a
Vietnamese message, the monthly counters moved exactly as a recount of the run's dossiers, and no
execution is stuck (every running one waits on an open task or an applicant wait; no open dossier
lacks its execution, no ended one keeps running; the workflow dead-letter queue is empty).

    python bench/load.py --submissions 1000 --races 500          # starts its own stack
    python bench/load.py --url http://localhost:8000 ...          # a running stack (its env set)

Loops are bounded by count and by `--time-limit`; the driver stops by itself.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
# As a script, bench/ is first on sys.path, where bench/requests.py would shadow the `requests`
# library (moto imports it): the repository root takes its place.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

DEMO = ROOT / "data" / "demo"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
PROCEDURE = "2.001610"  # one step at the lead agency H33.03, received at H33.50
STEP = "tham-dinh-cap-gcn"
CITIZENS = ("congdan", "congdan2")
DESK = "motcua"
AGENCY = "sokhdt"
RACES = ("double_accept", "double_complete", "extension_vs_complete", "withdraw_vs_approve")
EXCLUSIVE = frozenset({"double_accept", "double_complete", "withdraw_vs_approve"})
# history action -> (whose counter: "lead" or "event", metric), for the recount
COUNTED = {
    "submitted": ("lead", "submitted"),
    "received": ("lead", "received"),
    "processed": ("lead", "processed"),
    "withdrawn": ("lead", "withdrawn"),
    "step_completed": ("event", "steps_done"),
    "extension_proposed": ("event", "extensions_proposed"),
}


# ---- HTTP ----------------------------------------------------------------------------------------
@dataclass
class Call:
    kind: str
    status: int
    ms: float
    code: str | None = None


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]

    @property
    def code(self) -> str | None:
        return self.body.get("code") if isinstance(self.body, dict) else None


class Api:
    """Signed-in HTTP calls with Idempotency-Key, recording every call's status and latency.

    A 503 (with Retry-After) or 409 `idempotency_in_progress` is retried with the same key, as a
    well-behaved client does, a bounded number of times.
    """

    def __init__(self, url: str, accounts: dict[str, dict[str, Any]], timeout: float = 300) -> None:
        self.url = url.rstrip("/")
        self.accounts = accounts
        self.timeout = timeout
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        self._tokens: dict[tuple[str, int], str] = {}
        self._local = threading.local()

    def _session(self) -> Any:
        import requests

        s = getattr(self._local, "session", None)
        if s is None:
            s = self._local.session = requests.Session()
        return s

    def _record(self, kind: str, status: int, started: float, code: str | None) -> None:
        with self._lock:
            self.calls.append(Call(kind, status, (time.perf_counter() - started) * 1000, code))

    def token(self, user: str, session: int = 0) -> str:
        """One sign-in per (user, session): two sessions of a user are two people at two desks."""
        key = (user, session)
        with self._lock:
            if key in self._tokens:
                return self._tokens[key]
        r = self.call(
            "signin",
            "POST",
            "/api/auth/signin",
            None,
            {"username": user, "password": self.accounts[user]["password"]},
        )
        if r.status != 200:
            raise RuntimeError(f"sign-in of {user} failed: {r.status} {r.body}")
        with self._lock:
            self._tokens[key] = str(r.body["id_token"])
        return self._tokens[key]

    def call(
        self,
        kind: str,
        method: str,
        path: str,
        user: str | None,
        body: Any = None,
        session: int = 0,
        attempts: int = 5,
    ) -> Reply:
        headers = {"Content-Type": "application/json"}
        if user is not None:
            headers["Authorization"] = f"Bearer {self.token(user, session)}"
        if method == "POST":
            headers["Idempotency-Key"] = uuid.uuid4().hex
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        reply = Reply(0, None, {})
        for attempt in range(attempts):
            started = time.perf_counter()
            try:
                resp = self._session().request(
                    method, self.url + path, data=data, headers=headers, timeout=self.timeout
                )
                try:
                    parsed: Any = resp.json()
                except ValueError:
                    parsed = resp.text
                reply = Reply(resp.status_code, parsed, dict(resp.headers))
            except Exception as exc:  # a dropped connection is an error of its own kind
                reply = Reply(599, {"code": type(exc).__name__}, {})
            self._record(kind, reply.status, started, reply.code)
            retry = reply.status == 503 or reply.code == "idempotency_in_progress"
            if not retry or attempt == attempts - 1:
                break
            time.sleep(min(float(reply.headers.get("Retry-After", "1")), 2.0) * (attempt + 1) / 2)
        return reply

    def upload(self, slot: dict[str, Any], content: bytes, content_type: str) -> int:
        started = time.perf_counter()
        resp = self._session().post(
            slot["url"],
            data=slot["fields"],
            files={"file": ("upload", content, content_type)},
            timeout=self.timeout,
        )
        self._record("s3_upload", resp.status_code, started, None)
        return int(resp.status_code)


def _pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


# ---- the driver ----------------------------------------------------------------------------------
@dataclass
class Race:
    kind: str
    dossier_id: str
    replies: dict[str, Reply] = field(default_factory=dict)


@dataclass
class Run:
    """What the driver did and saw; `verify` turns it into figures and problems."""

    marker: str
    acknowledged: dict[str, str] = field(default_factory=dict)  # marker line -> dossier id
    owners: dict[str, str] = field(default_factory=dict)  # dossier id -> citizen username
    accepted: dict[str, str] = field(default_factory=dict)  # dossier id -> code
    races: list[Race] = field(default_factory=list)
    skipped: int = 0  # not started before the time limit (neither acknowledged nor lost)
    prep_failures: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Driver:
    def __init__(
        self,
        api: Api,
        store: Any,
        procedure: dict[str, Any],
        form_data: dict[str, Any],
        deadline: float,
    ) -> None:
        self.api = api
        self.store = store
        self.procedure = procedure
        self.form_data = form_data
        self.deadline = deadline
        self.run = Run(marker=uuid.uuid4().hex[:8])

    def _late(self) -> bool:
        return time.monotonic() > self.deadline

    def submit(self, i: int) -> str | None:
        """Draft, uploads, finalize, submit; the dossier id once the submit is acknowledged."""
        citizen = CITIZENS[i % len(CITIZENS)]
        line = f"Số {i}, lô {self.run.marker}, Phường V, TP Vị Thanh"
        draft = self.api.call(
            "create_draft",
            "POST",
            "/api/my/dossiers",
            citizen,
            {
                "procedure_code": PROCEDURE,
                "applicant": {
                    "name": "Nguyễn Văn An",
                    "id_number": "093090001234",
                    "address": line,
                    "phone": "0901234567",
                    "email": "an@example.com",
                },
                "form_data": self.form_data,
            },
        )
        if draft.status != 201:
            self.run.prep_failures[f"draft {draft.status} {draft.code}"] += 1
            return None
        dossier_id = str(draft.body["id"])
        base = f"/api/my/dossiers/{dossier_id}"
        for doc in self.procedure["documents"]:
            if not doc["required"]:
                continue
            content = _pdf()
            slot = self.api.call(
                "request_upload",
                "POST",
                f"{base}/uploads",
                citizen,
                {
                    "document_id": doc["id"],
                    "filename": f"{doc['id']}.pdf",
                    "content_type": "application/pdf",
                    "size": len(content),
                },
            )
            if slot.status != 201:
                self.run.prep_failures[f"upload slot {slot.status} {slot.code}"] += 1
                return None
            if self.api.upload(slot.body, content, "application/pdf") not in (200, 201, 204):
                self.run.prep_failures["s3 upload"] += 1
                return None
            att = slot.body["attachment_id"]
            fin = self.api.call("finalize", "POST", f"{base}/attachments/{att}/finalize", citizen)
            if fin.status != 200:
                self.run.prep_failures[f"finalize {fin.status} {fin.code}"] += 1
                return None
        sub = self.api.call("submit", "POST", f"{base}/submit", citizen)
        if sub.status != 200:
            self.run.prep_failures[f"submit {sub.status} {sub.code}"] += 1
            return None
        with self.run.lock:
            self.run.acknowledged[line] = dossier_id
            self.run.owners[dossier_id] = citizen
        return dossier_id

    def accept(self, dossier_id: str, session: int = 0) -> Reply:
        r = self.api.call(
            "accept",
            "POST",
            f"/api/desk/dossiers/{dossier_id}/accept",
            DESK,
            {"fee_collected": True, "receipt_no": f"BL-{dossier_id[:12]}"},
            session=session,
        )
        if r.status == 200:
            with self.run.lock:
                self.run.accepted[dossier_id] = str(r.body["code"])
        return r

    def submission(self, i: int) -> None:
        if self._late():
            with self.run.lock:
                self.run.skipped += 1
            return
        dossier_id = self.submit(i)
        if dossier_id is not None:
            r = self.accept(dossier_id)
            if r.status != 200:
                self.run.prep_failures[f"accept {r.status} {r.code}"] += 1

    def _open_task(self, dossier_id: str, timeout: float = 180) -> bool:
        """Wait (bounded) until the event pump has opened the agency's task."""
        until = min(self.deadline, time.monotonic() + timeout)
        while time.monotonic() < until:
            t = self.store.get_task(dossier_id, STEP)
            if t is not None and t.state == "open" and t.token:
                return True
            time.sleep(0.25)
        return False

    def prepare_race(self, i: int) -> tuple[str, str] | None:
        """A dossier ready for race i: submitted (double accept) or accepted with the agency's
        task open (the others). Prepared before the submissions start, so a race never waits on
        the workflow's backlog while the submissions run."""
        kind = RACES[i % len(RACES)]
        if self._late():
            with self.run.lock:
                self.run.skipped += 1
            return None
        dossier_id = self.submit(10**6 + i)
        if dossier_id is None:
            return None
        if kind != "double_accept":
            r = self.accept(dossier_id)
            if r.status != 200 or not self._open_task(dossier_id, timeout=900):
                self.run.prep_failures[f"race setup {kind}"] += 1
                return None
        return kind, dossier_id

    def race(self, prepared: tuple[str, str] | None) -> None:
        """Fire one race's contenders at the same instant (a barrier)."""
        if prepared is None:
            return
        kind, dossier_id = prepared
        complete = f"/api/agency/dossiers/{dossier_id}/steps/{STEP}/complete"
        approve = {"outcome": "approve", "note": "Đủ điều kiện."}
        contenders: dict[str, Callable[[], Reply]]
        if kind == "double_accept":
            contenders = {
                "accept#1": lambda: self.accept(dossier_id, session=1),
                "accept#2": lambda: self.accept(dossier_id, session=2),
            }
        elif kind == "double_complete":
            contenders = {
                "complete#1": lambda: self.api.call(
                    "complete", "POST", complete, AGENCY, approve, session=1
                ),
                "complete#2": lambda: self.api.call(
                    "complete", "POST", complete, AGENCY, approve, session=2
                ),
            }
        elif kind == "extension_vs_complete":
            d = self.store.get_dossier(dossier_id)
            new = (d.appointment_at + timedelta(days=7)).astimezone(VN).isoformat()
            contenders = {
                "extension": lambda: self.api.call(
                    "extension",
                    "POST",
                    f"/api/agency/dossiers/{dossier_id}/extension",
                    AGENCY,
                    {"reason": "Cần xác minh thêm thông tin.", "new_appointment_at": new},
                    session=1,
                ),
                "complete": lambda: self.api.call(
                    "complete", "POST", complete, AGENCY, approve, session=2
                ),
            }
        else:
            citizen = self.run.owners[dossier_id]
            contenders = {
                "withdraw": lambda: self.api.call(
                    "withdraw",
                    "POST",
                    f"/api/my/dossiers/{dossier_id}/withdraw",
                    citizen,
                    {"reason": "Không còn nhu cầu."},
                ),
                "approve": lambda: self.api.call(
                    "complete", "POST", complete, AGENCY, approve, session=1
                ),
            }
        race = Race(kind, dossier_id)
        barrier = threading.Barrier(len(contenders))

        def fire(name: str, fn: Callable[[], Reply]) -> None:
            barrier.wait(timeout=60)
            race.replies[name] = fn()

        threads = [threading.Thread(target=fire, args=item) for item in contenders.items()]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        with self.run.lock:
            self.run.races.append(race)

    def go(self, submissions: int, races: int, workers: int) -> Run:
        """Submissions and races interleaved on one bounded pool; returns when all are done."""
        started = time.monotonic()
        for user in (*CITIZENS, DESK, AGENCY):
            for session in (0, 1, 2):
                self.api.token(user, session)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="prepare") as pool:
            prepared = list(pool.map(self.prepare_race, range(races)))
        jobs: list[Callable[[], None]] = []
        ratio = max(1, submissions // max(1, races))
        s = r = 0
        while s < submissions or r < races:
            for _ in range(ratio):
                if s < submissions:
                    jobs.append(functools.partial(self.submission, s))
                    s += 1
            if r < races:
                jobs.append(functools.partial(self.race, prepared[r]))
                r += 1
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="load") as pool:
            for future in [pool.submit(job) for job in jobs]:
                future.result()
        self.run.seconds = time.monotonic() - started
        return self.run


# ---- the checks ----------------------------------------------------------------------------------
@dataclass
class Verdict:
    figures: dict[str, Any]
    problems: list[str]


def _scan_dossiers(store: Any) -> Iterator[Any]:
    paginator = store.client.get_paginator("scan")
    for page in paginator.paginate(
        TableName=store.table,
        FilterExpression="SK = :sk",
        ExpressionAttributeValues={":sk": {"S": "DOSSIER"}},
    ):
        for item in page["Items"]:
            if item["PK"]["S"].startswith("DOSSIER#"):
                yield store._dossier_from(item)


def _months_now() -> tuple[str, str]:
    """This month and the next (a receipt after office hours on the last day counts in the next:
    `received` is counted by the receipt instant, the next working one)."""
    now = datetime.now(VN)
    return now.strftime("%Y-%m"), (now.replace(day=1) + timedelta(days=32)).strftime("%Y-%m")


def counters_snapshot(store: Any, agencies: set[str]) -> dict[tuple[str, str, str], int]:
    out: dict[tuple[str, str, str], int] = {}
    for agency in agencies:
        for month in _months_now():
            for metric, value in store.counters(agency, month).get(PROCEDURE, {}).items():
                out[(agency, month, metric)] = value
    return out


def _legal_path(d: Any, events: list[Any]) -> str | None:
    """None if the history is a legal walk of the status table ending at the dossier's status."""
    from chalicelib.domain.statuses import DossierStatus, can_transition

    current: DossierStatus | None = None
    for e in events:
        if e.to_status is None or (e.from_status == e.to_status == current):
            continue  # not a status change (a note, a signature, an alarm)
        if e.from_status != current:
            return f"{e.action}: from {e.from_status} but the dossier was {current}"
        if current is None:
            if e.to_status is not DossierStatus.NEW:
                return f"{e.action}: a dossier starts at NEW, not {e.to_status}"
        elif not can_transition(current, e.to_status):
            return f"{e.action}: {current.name} -> {e.to_status.name} is not in the table"
        current = e.to_status
    if current != d.status:
        return f"history ends at {current} but the dossier is {d.status}"
    return None


def _vietnamese(message: Any) -> bool:
    return isinstance(message, str) and len(message) > 10 and any(ord(c) > 127 for c in message)


def verify(
    run: Run,
    api: Api,
    store: Any,
    sfn: Any,
    state_machine_arn: str,
    sqs: Any,
    dlq_url: str,
    before: dict[tuple[str, str, str], int],
    settle_seconds: float = 1800.0,
) -> Verdict:
    from chalicelib.domain.statuses import FINAL_STATUSES, DossierStatus
    from chalicelib.workflow.executions import execution_name

    problems: list[str] = []
    mine = [d for d in _scan_dossiers(store) if run.marker in (d.applicant.address or "")]
    # executions first: wait (bounded) until the asynchronous workflow has settled, so the store
    # is read at rest below (a dossier read before its history could be one step behind it)
    args = (store, sfn, state_machine_arn, FINAL_STATUSES, DossierStatus, execution_name)
    stuck = _stuck(mine, *args)
    until = time.monotonic() + settle_seconds
    while stuck and time.monotonic() < until:
        time.sleep(2 if len(mine) <= 100 else 15)  # re-reading 1,500 dossiers slows the drain
        mine = [store.get_dossier(d.id) for d in mine]
        stuck = _stuck(mine, *args)
    problems += stuck[:10]
    histories = {d.id: store.history(d.id) for d in mine}
    mine = [store.get_dossier(d.id) for d in mine]
    by_line: dict[str, list[Any]] = defaultdict(list)
    for d in mine:
        by_line[d.applicant.address].append(d)
    lost = [line for line, did in run.acknowledged.items() if did not in {d.id for d in mine}]
    lost += [line for line in run.acknowledged if not any(d.status for d in by_line[line])]
    duplicates = sum(len(v) - 1 for v in by_line.values() if len(v) > 1)
    if lost:
        problems.append(f"{len(lost)} acknowledged submissions lost: {lost[:3]}")
    if duplicates:
        problems.append(f"{duplicates} duplicate dossiers")

    # codes: unique and gap-free per unit per day (over every dossier of those unit-days)
    from chalicelib.store.sequences import sequence_key

    everyone = list(_scan_dossiers(store))
    codes = [d.code for d in everyone if d.code]
    if len(codes) != len(set(codes)):
        dup = [c for c, n in Counter(codes).items() if n > 1]
        problems.append(f"duplicate dossier codes: {dup[:5]}")
    days_touched = {
        sequence_key(d.receiving_unit, d.received_at) for d in mine if d.code and d.received_at
    }
    for key in days_touched:
        lines = sorted(
            d.register_line
            for d in everyone
            if d.code and d.received_at and sequence_key(d.receiving_unit, d.received_at) == key
        )
        if lines != list(range(1, len(lines) + 1)):
            problems.append(f"{key}: numbers {lines[:5]}… are not 1..{len(lines)} without gaps")
        if store.current_sequence(key) != len(lines):
            problems.append(f"{key}: sequence {store.current_sequence(key)} != {len(lines)} codes")

    # histories: legal paths; the races' winners and losers
    illegal = 0
    for d in mine:
        why = _legal_path(d, histories[d.id])
        if why:
            illegal += 1
            if illegal <= 5:
                problems.append(f"{d.id}: illegal history: {why}")
    outcome: Counter[str] = Counter()
    for race in run.races:
        won = [n for n, r in race.replies.items() if 200 <= r.status < 300]
        lost_r = {n: r for n, r in race.replies.items() if n not in won}
        for name, r in lost_r.items():
            if r.status != 409 or not _vietnamese((r.body or {}).get("message")):
                problems.append(f"race {race.kind} {race.dossier_id}: loser {name} got {r.status}")
        if race.kind in EXCLUSIVE and len(won) != 1:
            problems.append(f"race {race.kind} {race.dossier_id}: {len(won)} winners")
        if not won:
            problems.append(f"race {race.kind} {race.dossier_id}: no winner")
        d = store.get_dossier(race.dossier_id)
        actions = [e.action for e in histories.get(race.dossier_id, [])]
        expect = {
            "accept#1": "received",
            "accept#2": "received",
            "complete#1": "step_completed",
            "complete#2": "step_completed",
            "complete": "step_completed",
            "approve": "step_completed",
            "extension": "extension_proposed",
            "withdraw": "withdrawn",
        }
        for name in won:  # every acknowledged win is in the store, once
            if actions.count(expect[name]) != 1:
                problems.append(
                    f"race {race.kind}: {name} won; {expect[name]} x{actions.count(expect[name])}"
                )
        outcome[
            f"{race.kind}:{'+'.join(sorted(won)) or 'none'}->{d.status.name if d.status else '-'}"
        ] += 1

    # counters: what moved during the run equals a recount of the run's dossiers
    months = _months_now()
    recount: Counter[tuple[str, str, str]] = Counter()
    for d in mine:
        for e in histories[d.id]:
            # `received` counts in the month of the receipt instant, the rest when they happen
            at = d.received_at if e.action == "received" and d.received_at else e.at
            month = at.astimezone(VN).strftime("%Y-%m")
            if e.action in COUNTED and month in months:
                whose, metric = COUNTED[e.action]
                agency = d.lead_agency if whose == "lead" else (e.agency or d.lead_agency)
                recount[(agency, month, metric)] += 1
    after = counters_snapshot(store, {k[0] for k in recount} | {k[0] for k in before})
    for counter, n in recount.items():
        moved = after.get(counter, 0) - before.get(counter, 0)
        if moved != n:
            problems.append(f"counter {counter}: moved {moved}, recount {n}")

    dead = int(
        sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["ApproximateNumberOfMessages"])[
            "Attributes"
        ]["ApproximateNumberOfMessages"]
    )
    if dead:
        problems.append(f"{dead} workflow messages in the dead-letter queue")

    latencies = sorted(c.ms for c in api.calls)
    q = statistics.quantiles(latencies, n=100) if len(latencies) >= 2 else [0.0] * 99
    errors = Counter(f"{c.status} {c.code or ''}".strip() for c in api.calls if c.status >= 400)
    figures = {
        "seconds": round(run.seconds, 1),
        "requests": len(api.calls),
        "requests_by_kind": dict(Counter(c.kind for c in api.calls)),
        "errors_by_kind": dict(errors.most_common()),
        "server_errors_5xx": sum(n for k, n in errors.items() if k.startswith("5")),
        "acknowledged_submissions": len(run.acknowledged),
        "accepted": len(run.accepted),
        "skipped_after_time_limit": run.skipped,
        "preparation_failures": dict(run.prep_failures),
        "lost": len(lost),
        "duplicates": duplicates,
        "illegal_histories": illegal,
        "races": len(run.races),
        "race_outcomes": dict(sorted(outcome.items())),
        "stuck_executions": len(stuck),
        "dead_letters": dead,
        "p50_ms": round(q[49], 1),
        "p95_ms": round(q[94], 1),
        "max_ms": round(latencies[-1], 1) if latencies else 0.0,
    }
    return Verdict(figures, problems)


def _stuck(
    mine: list[Any],
    store: Any,
    sfn: Any,
    state_machine_arn: str,
    final: frozenset[Any],
    S: Any,
    execution_name: Callable[[str], str],
) -> list[str]:
    running: set[str] = set()
    for page in sfn.get_paginator("list_executions").paginate(
        stateMachineArn=state_machine_arn, statusFilter="RUNNING"
    ):
        running |= {e["name"] for e in page["executions"]}
    from chalicelib.domain.statuses import OPEN_STATUSES as open_statuses
    from chalicelib.store.waits import WaitTokens

    waits = WaitTokens(store.client, store.table)
    out: list[str] = []
    for d in mine:
        if not d.code:
            continue
        name = execution_name(d.code)
        if d.status not in open_statuses:  # ended, or processed: the execution has finished
            if name in running:
                out.append(f"{d.code}: {d.status.name} but its execution still runs")
            continue
        if name not in running:
            out.append(f"{d.code}: open ({d.status.name}) without a running execution")
            continue
        if d.status is S.PROCESSING:
            active = [s for s in d.steps if s.state.value == "active"]
            tasks = [store.get_task(d.id, s.step_id) for s in active]
            if not any(t is not None and t.state == "open" and t.token for t in tasks):
                out.append(f"{d.code}: running, processing, but no open task with a token")
        elif d.status in (S.SUPPLEMENT_REQUESTED, S.AWAITING_FEE) and waits.get(d.id) is None:
            out.append(f"{d.code}: running, waiting for the applicant, but no wait token")
    return out


def report(verdict: Verdict, out: Any = sys.stdout) -> None:
    f = verdict.figures
    print("\n== concurrency run ==", file=out)
    for key in (
        "seconds",
        "requests",
        "acknowledged_submissions",
        "accepted",
        "races",
        "lost",
        "duplicates",
        "illegal_histories",
        "stuck_executions",
        "dead_letters",
        "server_errors_5xx",
        "p50_ms",
        "p95_ms",
        "max_ms",
        "skipped_after_time_limit",
    ):
        print(f"  {key:26} {f[key]}", file=out)
    print(
        f"  {'errors_by_kind':26} {json.dumps(f['errors_by_kind'], ensure_ascii=False)}", file=out
    )
    print(f"  {'requests_by_kind':26} {json.dumps(f['requests_by_kind'])}", file=out)
    print(f"  {'race_outcomes':26} {json.dumps(f['race_outcomes'])}", file=out)
    if f["preparation_failures"]:
        print(f"  {'preparation_failures':26} {json.dumps(f['preparation_failures'])}", file=out)
    print(f"  problems: {len(verdict.problems)}", file=out)
    for p in verdict.problems[:30]:
        print(f"    - {p}", file=out)


# ---- entry points --------------------------------------------------------------------------------
def run_against(
    url: str,
    accounts: dict[str, dict[str, Any]],
    submissions: int,
    races: int,
    workers: int,
    time_limit: float,
) -> Verdict:
    """Drive a running stack whose environment (endpoint, table, state machine) is in os.environ."""
    import boto3

    from chalicelib.services.deps import get_deps
    from chalicelib.settings import get_settings

    store = get_deps().store
    settings = get_settings()
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    sfn = boto3.client("stepfunctions", region_name=settings.region, endpoint_url=endpoint)
    sqs = boto3.client("sqs", region_name=settings.region, endpoint_url=endpoint)
    queue = sqs.get_queue_url(QueueName=os.environ.get("WORKFLOW_QUEUE_NAME", "tthc-workflow"))
    dlq_url = sqs.get_queue_attributes(
        QueueUrl=queue["QueueUrl"], AttributeNames=["RedrivePolicy"]
    )["Attributes"]["RedrivePolicy"]
    dlq_name = json.loads(dlq_url)["deadLetterTargetArn"].rsplit(":", 1)[-1]
    dlq = sqs.get_queue_url(QueueName=dlq_name)["QueueUrl"]

    api = Api(url, accounts)
    procedure = api.call("procedure", "GET", f"/api/procedures/{PROCEDURE}", None).body
    form = json.loads((DEMO / "form_examples.json").read_text("utf-8"))[PROCEDURE]
    before = counters_snapshot(store, {"H33.03"})
    driver = Driver(api, store, procedure, form, time.monotonic() + time_limit)
    run = driver.go(submissions, races, workers)
    return verify(run, api, store, sfn, settings.state_machine_arn, sqs, dlq, before)


def demo_accounts(stack_accounts: list[dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    by_name = {a["username"]: dict(a) for a in json.loads((DEMO / "accounts.json").read_text())}
    for a in stack_accounts or []:
        by_name.setdefault(a["username"], {}).update(a)
    return by_name


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--submissions", type=int, default=1000)
    p.add_argument("--races", type=int, default=500)
    p.add_argument("--workers", type=int, default=32)
    p.add_argument("--time-limit", type=float, default=5400.0, help="seconds; then stop starting")
    p.add_argument("--url", help="a running stack (its environment must be in this process)")
    p.add_argument("--json", type=Path, help="also write the figures here")
    p.add_argument(
        "--pollers", type=int, default=8, help="threads per queue in the event pump (Lambda's)"
    )
    p.add_argument(
        "--one-process",
        action="store_true",
        help="run the moto server inside the stack's process (default: a process of its own)",
    )
    p.add_argument(
        "--smoke", action="store_true", help="4 submissions, 4 races, 2 workers (make test)"
    )
    a = p.parse_args(argv)
    if a.smoke:
        a.submissions, a.races, a.workers, a.pollers = 4, 4, 2, 2
        a.time_limit = min(a.time_limit, 120.0)
    import logging

    logging.basicConfig(level=logging.WARNING)
    if a.url:
        verdict = run_against(
            a.url, demo_accounts(None), a.submissions, a.races, a.workers, a.time_limit
        )
    else:
        from infra.local.stack import running_stack

        with running_stack(
            port=0, data_dir=DEMO, moto_process=not a.one_process, pump_pollers=a.pollers
        ) as stack:
            verdict = run_against(
                stack.url,
                demo_accounts(stack.accounts),
                a.submissions,
                a.races,
                a.workers,
                a.time_limit,
            )
    report(verdict)
    if a.json:
        a.json.write_text(json.dumps(verdict.figures, ensure_ascii=False, indent=2))
    return 0 if not verdict.problems else 1


if __name__ == "__main__":
    raise SystemExit(main())
