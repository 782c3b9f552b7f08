"""schemathesis against the running local stack: every operation of the OpenAPI document, each
with the callers allowed to use it (citizen, desk clerk, agency staff, leader, province office,
administrator, an agency's SigV4 key; anonymous for public routes).

GIVEN the live local stack with the demo data, plus a draft and a received dossier waiting at an
agency (`_world`) WHEN schemathesis generates valid requests for every operation (a fresh
`Idempotency-Key` on every POST), first with generated path parameters (mostly 404s) and then with
the real ids the caller may use THEN no answer is a 5xx, every answer's status is documented, its
media type is the documented one and its body matches the documented schema (the answer model or
the shared `Error`).

Every finding is collected (no shrinking: one slow operation must not hide the others) and the
figures are printed. The example count per operation and caller is `FUZZ_EXAMPLES` (default 3,
derandomized: about three minutes with the stack's start on two busy cores inside `make test`);
`bench/fuzz.sh` runs more, with new random examples each run. Regressions for what it found run in
process: tests/integration/test_fuzz_regressions.py and tests/unit/test_openapi.py.
"""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

pytestmark = pytest.mark.live

SERVICE = "execute-api"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
RANDOM = os.environ.get("FUZZ_RANDOM") == "1"  # bench: new examples each run
# positive: valid requests; negative (a third as many): each request breaks its schema somewhere
# (wrong types, missing or non-object bodies, bad query values): a 4xx, never a 5xx.
MODES = tuple(m for m in os.environ.get("FUZZ_MODES", "positive,negative").split(",") if m)
RECORD = os.environ.get("FUZZ_RECORD", "")  # a file for one 2xx body per operation (debugging)
ONLY = os.environ.get("FUZZ_ONLY", "")  # a substring of "METHOD /path" to fuzz a few operations

# Who calls an audience (the operation's tag). Each listed caller fuzzes the operation.
CALLERS_BY_TAG: dict[str, tuple[str, ...]] = {
    "public": ("anonymous",),
    "auth": ("citizen", "desk"),
    "citizen": ("citizen",),
    "desk": ("desk",),
    "agency": ("agency", "leader"),
    "leader": ("leader",),
    "staff": ("desk", "agency", "leader"),
    "province": ("province",),
    "agency-api": ("agency_key",),
    "admin": ("admin",),
}
# The demo account signed in for each role (the citizen is a fresh account: see `callers`).
ACCOUNTS = {
    "desk": "motcua",
    "agency": "sokhdt",
    "leader": "lanhdaosokhdt",
    "province": "vanphong",
    "admin": "quantri",
}
# These lock or empty the caller's own account: they run last, with a throwaway citizen each.
SELF_HARM = {("POST", "/api/me/compromised"), ("POST", "/api/my/erasure")}


@dataclass
class Caller:
    """Headers and `requests` auth for one caller; `fresh` re-signs a throwaway account;
    `known` holds real values of path parameters this caller may use (see `world`)."""

    name: str
    headers: dict[str, str] = field(default_factory=dict)
    auth: Any = None
    fresh: Callable[[], Caller] | None = None
    known: dict[str, str] = field(default_factory=dict)


@dataclass
class Findings:
    operations: set[str] = field(default_factory=set)
    calls: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    schema_failures: list[str] = field(default_factory=list)
    samples: dict[str, Any] = field(default_factory=dict)
    unsendable: int = 0

    def summary(self) -> str:
        by_class = Counter(f"{s // 100}xx" for s in self.statuses.elements())
        return (
            f"fuzz: {len(self.operations)} operations, {self.calls} calls, "
            f"{dict(sorted(by_class.items()))}, 5xx {len(self.server_errors)}, "
            f"schema failures {len(self.schema_failures)}, unsignable by the client "
            f"{self.unsendable}"
        )


def _post(url: str, payload: dict[str, Any], token: str | None = None) -> requests.Response:
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.post(url, json=payload, headers=headers, timeout=60)


def _sign_in(url: str, username: str, password: str) -> str:
    resp = _post(f"{url}/api/auth/signin", {"username": username, "password": password})
    assert resp.status_code == 200, resp.text
    token: str = resp.json()["id_token"]
    return token


def _new_citizen(url: str) -> Caller:
    """Sign up and sign in a citizen of its own, so fuzzing never touches the demo citizens."""
    username = f"fuzz-{uuid.uuid4().hex[:12]}"
    password = f"Fz@{uuid.uuid4().hex}"
    made = _post(
        f"{url}/api/auth/signup",
        {
            "username": username,
            "password": password,
            "email": f"{username}@example.com",
            "name": "Người Thử Nghiệm",
        },
    )
    assert made.status_code == 201, made.text
    token = _sign_in(url, username, password)
    return Caller("citizen", {"Authorization": f"Bearer {token}"}, fresh=lambda: _new_citizen(url))


@pytest.fixture(scope="module")
def callers(stack: Any, accounts: dict[str, dict[str, Any]]) -> dict[str, Caller]:
    from requests_aws4auth import AWS4Auth

    url = stack.url
    out: dict[str, Caller] = {"anonymous": Caller("anonymous"), "citizen": _new_citizen(url)}
    for role, username in ACCOUNTS.items():
        token = _sign_in(url, username, accounts[username]["password"])
        out[role] = Caller(role, {"Authorization": f"Bearer {token}"})
    key = _post(
        f"{url}/api/admin/agency-keys",
        {"agency": "H33.03", "description": "schemathesis"},
        out["admin"].headers["Authorization"].removeprefix("Bearer "),
    )
    assert key.status_code == 201, key.text
    issued = key.json()
    region = stack.outputs.region
    auth = AWS4Auth(issued["access_key_id"], issued["secret_access_key"], region, SERVICE)
    out["agency_key"] = Caller("agency_key", auth=auth)
    return out


def _document(url: str) -> dict[str, Any]:
    """The served document, or the one the app builds (the same: tests/unit/test_openapi.py)
    when the local stack does not route it; only the `/api` operations are reachable locally.
    A route without an entry is tests/unit/test_openapi.py's failure, not this test's."""
    from app import app
    from chalicelib.api import openapi

    doc = openapi.build_spec(app, strict=False)
    served = requests.get(f"{url}/openapi.json", timeout=60)
    if served.status_code == 200:
        doc = served.json()
    doc["paths"] = {p: item for p, item in doc["paths"].items() if p.startswith("/api/")}
    return doc


PROC = "2.001610"  # one step at H33.03 (sokhdt, lanhdaosokhdt, the fuzz key's agency)


def _call(url: str, method: str, path: str, who: Caller, payload: Any = None) -> Any:
    headers = dict(who.headers)
    if method == "POST":
        headers["Idempotency-Key"] = uuid.uuid4().hex
    resp = requests.request(
        method, f"{url}{path}", json=payload, headers=headers, auth=who.auth, timeout=60
    )
    assert resp.status_code < 300, f"{method} {path}: {resp.status_code} {resp.text}"
    return resp.json()


def _world(url: str, callers: dict[str, Caller]) -> None:
    """Real objects for the path parameters: a draft, and a received dossier waiting at H33.03
    (with its task), a second agency key; each caller knows the ones it may touch. Generated
    values mostly answer 404; these let the fuzzer reach the use cases behind the lookups."""
    from tests.support.client import upload_file
    from tests.support.journeys import FEE_PAID_AT_DESK
    from tests.support.live import agency_task
    from tests.support.samples import FORM_EXAMPLES, sample_file

    citizen = callers["citizen"]
    me = _call(url, "GET", "/api/me", citizen)
    applicant = {"name": me["name"] or "Người Thử Nghiệm", "id_number": "093090009999"}
    new = {"procedure_code": PROC, "applicant": applicant, "form_data": FORM_EXAMPLES[PROC]}
    draft = _call(url, "POST", "/api/my/dossiers", citizen, new)
    sent = _call(url, "POST", "/api/my/dossiers", citizen, new)
    base = f"/api/my/dossiers/{sent['id']}"
    attachment = ""
    for doc in sent["documents"]:
        if doc.get("required", True):
            content, ctype, ext = sample_file(doc["accepted_types"])
            slot = _call(
                url,
                "POST",
                f"{base}/uploads",
                citizen,
                {
                    "document_id": doc["id"],
                    "filename": f"{doc['id']}.{ext}",
                    "content_type": ctype,
                    "size": len(content),
                },
            )
            upload_file(slot, content, ctype)
            attachment = slot["attachment_id"]
            _call(url, "POST", f"{base}/attachments/{attachment}/finalize", citizen, {})
    _call(url, "POST", f"{base}/submit", citizen, {})
    accepted = _call(
        url, "POST", f"/api/desk/dossiers/{sent['id']}/accept", callers["desk"], FEE_PAID_AT_DESK
    )
    code = accepted["code"]
    step = ""
    deadline = time.monotonic() + 60
    while not step and time.monotonic() < deadline:
        task = agency_task(lambda p: _call(url, "GET", p, callers["agency"]), sent["id"], code)
        step = task["step_id"] if task else ""
        time.sleep(0.0 if step else 0.5)
    assert step, "the received dossier never reached the agency"
    spare = _call(url, "POST", "/api/admin/agency-keys", callers["admin"], {"agency": "H33.03"})
    citizen.known = {"dossier_id": draft["id"], "attachment_id": attachment, "code": code}
    callers["anonymous"].known = {"code": code}
    for name in ("desk", "agency", "leader", "agency_key"):
        callers[name].known = {"dossier_id": sent["id"], "step_id": step, "code": code}
    callers["admin"].known = {"dossier_id": sent["id"], "key_id": spare["access_key_id"]}


def _operations(schema: Any) -> Iterator[Any]:
    ops = [result.ok() for result in schema.get_all_operations()]
    ops.sort(key=lambda op: ((op.method.upper(), op.path) in SELF_HARM, op.path, op.method))
    for op in ops:
        if ONLY and ONLY not in f"{op.method.upper()} {op.path}":
            continue
        yield op


def _fuzz(
    op: Any,
    caller: Caller,
    base_url: str,
    session: requests.Session,
    found: Findings,
    path_parameters: dict[str, str] | None = None,
    mode: str = "positive",
) -> None:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode
    from schemathesis.checks import (
        content_type_conformance,
        not_a_server_error,
        response_schema_conformance,
        status_code_conformance,
    )

    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    label = f"{op.method.upper()} {op.path}"
    self_harm = (op.method.upper(), op.path) in SELF_HARM
    strategy = op.as_strategy(generation_mode=GenerationMode(mode), path_parameters=path_parameters)

    @settings(
        max_examples=EXAMPLES if mode == "positive" else max(1, EXAMPLES // 3),
        deadline=None,
        database=None,
        derandomize=not RANDOM,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        who = caller.fresh() if self_harm and caller.fresh else caller
        headers = dict(who.headers)
        if op.method.upper() == "POST":
            headers["Idempotency-Key"] = uuid.uuid4().hex
        try:
            response = case.call(
                base_url=base_url, session=session, headers=headers, auth=who.auth, timeout=60
            )
        except ValueError:  # requests-aws4auth cannot sign a header with an unbalanced quote
            if who.auth is None:
                raise
            found.unsendable += 1
            return
        found.calls += 1
        found.statuses[response.status_code] += 1
        real = " (real ids)" if path_parameters else ""
        where = f"{label} as {caller.name}{real}, {mode} -> {response.status_code}"
        if RECORD and response.status_code < 300 and label not in found.samples:
            ctype = str(response.headers.get("content-type"))
            found.samples[label] = response.json() if "json" in ctype else ctype
        if response.status_code >= 500:
            curl = case.as_curl_command()
            found.server_errors.append(f"{where}: {response.text[:300]}\n  {curl}")
            return
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except (Exception, BaseExceptionGroup) as exc:  # a FailureGroup of every failed check
            found.schema_failures.append(f"{where}: {str(exc)[:600]}\n  {case.as_curl_command()}")

    found.operations.add(label)
    try:
        run()
    except Unsatisfiable:  # negative: nothing of this operation's input can be made invalid
        assert mode == "negative", label


def test_every_operation_for_every_role(stack: Any, callers: dict[str, Caller]) -> None:
    import schemathesis

    # The PDF a citizen compares (POST /api/verify/{id}) travels as raw bytes, like an image.
    schemathesis.serializer.alias("application/pdf", "application/octet-stream")
    _world(stack.url, callers)
    schema = schemathesis.openapi.from_dict(_document(stack.url))
    found = Findings()
    started = time.monotonic()
    with requests.Session() as session:
        for op in _operations(schema):
            tag = (op.definition.raw.get("tags") or ["public"])[0]
            params = [p.name for p in op.path_parameters]
            for name in CALLERS_BY_TAG[tag]:
                who = callers[name]
                real = {p: who.known[p] for p in params if p in who.known}
                for mode in MODES:
                    _fuzz(op, who, stack.url, session, found, mode=mode)
                    if params and len(real) == len(params):
                        _fuzz(op, who, stack.url, session, found, real, mode)
    elapsed = time.monotonic() - started
    if RECORD:
        import json

        with open(RECORD, "w", encoding="utf-8") as out:
            json.dump(found.samples, out, ensure_ascii=False, indent=1, sort_keys=True)
    print(f"\n{found.summary()} in {elapsed:.0f} s ({EXAMPLES} examples per operation and caller)")
    assert found.calls > 0
    assert not found.server_errors, "\n".join(found.server_errors)
    assert not found.schema_failures, "\n".join(found.schema_failures)
