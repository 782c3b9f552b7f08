"""Load a demo configuration (units, catalogue, calendar, FAQ, accounts) into a provisioned stack.

The same loader serves the local stack, the tests and a LocalStack target; it is idempotent, so
running it twice leaves one copy of everything.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chalicelib.domain.procedure import Procedure, Unit

DEFAULT_DATA = Path(__file__).resolve().parent.parent / "data" / "demo"


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def load_catalogue(store: Any, data_dir: Path = DEFAULT_DATA) -> tuple[int, int]:
    """Units, procedures and the calendar; returns (units, procedures) loaded."""
    units = [Unit.model_validate(u) for u in _read(data_dir / "units.json")]
    for u in units:
        store.put_unit(u)
    raw = _read(data_dir / "procedures.json")
    items = raw["procedures"] if isinstance(raw, dict) else raw
    procs = [Procedure.model_validate(p) for p in items]
    for p in procs:
        store.put_procedure(p)
    cal = data_dir / "calendar.json"
    if cal.exists():
        data = {k: v for k, v in _read(cal).items() if not k.startswith("_")}
        store.put_calendar(data)
    return len(units), len(procs)


def load_faq(store: Any, data_dir: Path = DEFAULT_DATA, now: Any = None) -> int:
    """The questions the province office publishes first (`faq.json`), published under their
    file ids. An id already stored is left as it is, so a rerun adds no copy and keeps the
    office's later edits. Returns the number of entries in the file."""
    from datetime import UTC, datetime

    from chalicelib.domain.faq import FaqEntry
    from chalicelib.store.faq import FaqStore

    path = data_dir / "faq.json"
    if not path.exists():
        return 0
    faqs = FaqStore(store.client, store.table)
    now = now or datetime.now(UTC)
    raw = _read(path)
    for item in raw:
        if faqs.get(item["id"]) is not None:
            continue  # the office owns it once it exists: a rerun neither copies nor reverts it
        entry = {**item, "state": "published", "created_by": "demo", "created_at": now}
        faqs.save(FaqEntry.model_validate({**entry, "published_at": now}), None)
    return len(raw)


def ensure_account(cognito: Any, pool_id: str, account: dict[str, Any]) -> str:
    """Create (or find) a confirmed user with a permanent password; return its sub."""
    username = account["username"]
    attrs = [{"Name": "email", "Value": account.get("email") or f"{username}@example.vn"}]
    attrs.append({"Name": "email_verified", "Value": "true"})
    if account.get("name"):
        attrs.append({"Name": "name", "Value": account["name"]})
    try:
        cognito.admin_create_user(
            UserPoolId=pool_id,
            Username=username,
            UserAttributes=attrs,
            MessageAction="SUPPRESS",
        )
    except cognito.exceptions.UsernameExistsException:
        pass
    cognito.admin_set_user_password(
        UserPoolId=pool_id, Username=username, Password=account["password"], Permanent=True
    )
    role = account.get("role", "citizen")
    try:
        cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=role)
    except cognito.exceptions.ResourceNotFoundException:
        pass  # a pool without groups: the profile item alone carries the role
    user = cognito.admin_get_user(UserPoolId=pool_id, Username=username)
    sub = next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub")
    return str(sub)


def load_demo(
    data_dir: Path = DEFAULT_DATA,
    outputs: Any = None,
    *,
    store: Any = None,
    cognito: Any = None,
    pool_id: str | None = None,
) -> list[dict[str, Any]]:
    """Everything in a demo folder. Returns the accounts (username, password, role, unit, sub)."""
    from chalicelib import aws
    from chalicelib.settings import get_settings
    from chalicelib.store.table import DynamoStore

    store = store or DynamoStore()
    cognito = cognito or aws.client("cognito-idp")
    pool_id = pool_id or get_settings().user_pool_id
    load_catalogue(store, data_dir)
    load_faq(store, data_dir)
    accounts = []
    for acc in _read(data_dir / "accounts.json"):
        sub = ensure_account(cognito, pool_id, acc)
        profile = {
            "username": acc["username"],
            "role": acc.get("role", "citizen"),
            "unit": acc.get("unit"),
            "name": acc.get("name", acc["username"]),
            "email": acc.get("email"),
            "phone": acc.get("phone"),
            "id_number": acc.get("id_number"),
            "address": acc.get("address"),
        }
        store.put_profile(sub, profile)
        accounts.append({**profile, "password": acc["password"], "sub": sub})
    enroll_signers(store, data_dir, accounts)
    return accounts


OFFICIAL_TITLES = {"leader": "Lãnh đạo cơ quan", "agency": "Cán bộ phê duyệt"}


def enroll_signers(store: Any, data_dir: Path, accounts: list[dict[str, Any]]) -> int:
    """Signing keys and certificates for the demo's officials and their agencies.

    For each agency or leader account, and each unit they or a desk clerk belong to (a desk's
    unit signs the receipts and forms it hands out): a KMS key (ECC P-256,
    SIGN_VERIFY; in moto), a certificate the local test PKI issues for its public key
    (`infra.local.pki_server`), recorded as an administrator's upload would be. A stand-in for
    what the administrator does with certificates from a licensed CA; production never runs it.
    """
    from cryptography.hazmat.primitives.serialization import Encoding, load_der_public_key

    from chalicelib import aws
    from chalicelib.store.certificates import CertificateRecord, CertificateStore
    from infra.local.pki_server import local_pki
    from infra.pki import fit

    pki = local_pki().pki
    kms = aws.client("kms")
    units = {u["code"]: u["name"] for u in _read(data_dir / "units.json")}
    certs = CertificateStore(client=store.client, table_name=store.table)
    chain = "".join(c.public_bytes(Encoding.PEM).decode() for c in pki.chain())
    holders: list[tuple[str, str, str, str, str]] = []  # kind, holder, CN, O, title
    for acc in accounts:
        unit = str(acc.get("unit") or "")
        if acc.get("role") == "desk" and unit in units:  # the desk signs the receipts it issues
            if not any(h[0] == "agency" and h[1] == unit for h in holders):
                holders.append(("agency", unit, units[unit], units[unit], ""))
            continue
        if acc.get("role") not in OFFICIAL_TITLES or not unit or unit not in units:
            continue
        holders.append(
            ("official", acc["username"], acc["name"], units[unit], OFFICIAL_TITLES[acc["role"]])
        )
        if not any(h[0] == "agency" and h[1] == unit for h in holders):
            holders.append(("agency", unit, units[unit], units[unit], ""))
    now = datetime.now(UTC).isoformat()
    for kind, holder, cn, org, title in holders:
        if certs.get(kind, holder) is not None:
            continue  # a stack restarted on the same data keeps its keys
        key_id = str(
            kms.create_key(
                KeySpec="ECC_NIST_P256",
                KeyUsage="SIGN_VERIFY",
                Description=f"demo signing key: {kind} {holder}",
            )["KeyMetadata"]["Arn"]
        )
        pub = load_der_public_key(kms.get_public_key(KeyId=key_id)["PublicKey"])
        cert = pki.issue(pub, cn, org, title=title, locality="Hậu Giang")  # type: ignore[arg-type]
        certs.put(
            CertificateRecord(
                kind=kind,
                holder=holder,
                key_id=key_id,
                cert_pem=cert.public_bytes(Encoding.PEM).decode(),
                chain_pem=chain,
                subject=fit(cn),
                organisation=fit(org),
                title=fit(title),
                serial=format(cert.serial_number, "x"),
                not_before=cert.not_valid_before_utc.isoformat(),
                not_after=cert.not_valid_after_utc.isoformat(),
                uploaded_at=now,
                uploaded_by="demo",
            )
        )
    return len(holders)


def seed_dossiers(
    accounts: list[dict[str, Any]], data_dir: Path = DEFAULT_DATA, deps: Any = None
) -> list[str]:
    """Submit the demo's sample dossiers (`seed.json`) through the real use cases, so `make run`
    opens with a multi-agency dossier waiting at its desk, ready to be walked through by hand.

    Attachments are small real PDFs written straight to the attachments bucket and re-checked by
    the same finalize step as an upload. Returns the dossier ids (none if there is no seed file).
    """
    from chalicelib.domain.dossier import Attachment, Channel
    from chalicelib.services.deps import get_deps
    from chalicelib.services.dossier import dossiers
    from chalicelib.services.models import ApplicantIn, CreateDossierIn

    seed_file = data_dir / "seed.json"
    if not seed_file.exists():
        return []
    deps = deps or get_deps()
    examples = _read(data_dir / "form_examples.json")
    by_name = {a["username"]: a for a in accounts}
    ids: list[str] = []
    for item in _read(seed_file):
        acc = by_name[item["username"]]
        actor = _SeedActor(acc["sub"], acc["username"])
        applicant = ApplicantIn(
            name=acc["name"],
            id_number=acc.get("id_number") or "",
            address=acc.get("address") or "",
            phone=acc.get("phone") or "",
            email=acc.get("email"),
        )
        req = CreateDossierIn(
            procedure_code=item["procedure_code"],
            applicant=applicant,
            form_data=examples.get(item["procedure_code"], {}),
        )
        d = dossiers.create_draft(deps, actor, req, Channel.ONLINE)
        proc = deps.store.get_procedure(d.procedure_code, d.procedure_version)
        for doc in proc.documents:
            if not doc.required:
                continue
            att = Attachment(
                id=f"seed{doc.id[:8]}",
                document_id=doc.id,
                filename=f"{doc.id}.pdf",
                key=f"dossiers/{d.id}/seed{doc.id[:8]}/{doc.id}.pdf",
                content_type="application/pdf",
            )
            deps.files.put(att.key, _SEED_PDF, "application/pdf")
            d = deps.store.get_dossier(d.id)
            d.attachments.append(att)
            deps.store.save_dossier(d, d.version)
            dossiers.finalize_attachment(deps, actor, d.id, att.id)
        ids.append(dossiers.submit(deps, actor, d.id).id)
    return ids


_SEED_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


class _SeedActor:
    """The demo citizen acting through the use cases (satisfies domain.actors.Actor)."""

    role = "citizen"
    unit: str | None = None

    def __init__(self, sub: str, username: str) -> None:
        self.sub = sub
        self.username = username


DEMO_STAT_MONTHS = 6


def seed_statistics(
    store: Any, data_dir: Path = DEFAULT_DATA, months: int = DEMO_STAT_MONTHS, now: Any = None
) -> int:
    """Synthetic monthly counters for the past `months` full months, so `make run`'s dashboard,
    transparency page and reports show non-trivial numbers from the first minute.

    Demo only (`stats.json` switches it on in a demo folder): the numbers are deterministic
    (seeded per agency and month) and plausible, written exactly as status changes write them
    (`CNT#<agency>#<YYYY-MM>` / `PROC#<code>`, ADD). The current month is left to real activity.
    Returns the number of counter items written.
    """
    import random
    from datetime import UTC, datetime

    if not (data_dir / "stats.json").exists():
        return 0
    spec = _read(data_dir / "stats.json")
    now = now or datetime.now(UTC)
    written = 0
    for proc in _read(data_dir / "procedures.json"):
        online = proc["level"] != "not_online"
        fee = sum(f.get("amount_vnd", 0) for f in proc.get("fees", [])) > 0
        y, m = now.year, now.month
        for _ in range(months):
            y, m = (y, m - 1) if m > 1 else (y - 1, 12)
            month = f"{y:04d}-{m:02d}"
            rng = random.Random(f"{proc['code']}|{month}")
            received = rng.randint(*spec.get("received", [8, 40]))
            online_n = round(received * rng.uniform(0.45, 0.9)) if online else 0
            processed = round(received * rng.uniform(0.85, 1.0))
            late = round(processed * rng.uniform(0.0, spec.get("late_max", 0.12)))
            counts = {
                "received": received,
                "received_channel_2": online_n,
                "received_channel_1": received - online_n,
                "processed": processed,
                "processed_on_time": processed - late,
                "processed_late": late,
                "electronic_result": processed,
                "digitised": round(received * rng.uniform(0.7, 1.0)),
                "reused": round(received * rng.uniform(0.1, 0.4)),
                "synced": received,
                "fee_dossiers": received if fee else 0,
                "paid_online": round(online_n * rng.uniform(0.3, 0.8)) if fee else 0,
                "rated": round(processed * rng.uniform(0.2, 0.5)),
                "rated_dissatisfied": rng.randint(0, 2),
                "with_feedback": rng.randint(0, 1),
                "feedback_handled": rng.randint(0, 3),
            }
            counts["feedback_handled_on_time"] = max(
                0, counts["feedback_handled"] - rng.randint(0, 1)
            )
            names = {f"#m{i}": k for i, k in enumerate(counts)}
            values = {f":v{i}": {"N": str(v)} for i, v in enumerate(counts.values())}
            store.client.update_item(
                TableName=store.table,
                Key={
                    "PK": {"S": f"CNT#{proc['lead_agency']}#{month}"},
                    "SK": {"S": f"PROC#{proc['code']}"},
                },
                UpdateExpression="SET "
                + ", ".join(f"{n} = {v}" for n, v in zip(names, values, strict=True)),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
            written += 1
    return written
