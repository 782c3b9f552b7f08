"""PAdES signatures on what the office issues, and their verification (issue 19).

- `sign_result(deps, dossier, pdf)`: the approving official's signature, then the lead agency's
  (`domain.signatures.required_signatures("result")`), each PAdES B-LT with a visible stamp, keys
  held by `deps.signer` (KMS), certificates from the administrator's records
  (`services.certificates`), the TSA at `TSA_URL`, trust roots from `SIGNING_TRUST_ROOTS`.
  Anything missing is a `DomainError` (code `signing_unavailable`, 503): the caller releases
  nothing and the workflow retries.
- `verify_pdf(deps, pdf)`: pyHanko's validation of every signature, reported in Vietnamese.

pyHanko is imported only inside these functions (through `chalicelib.documents.pades`).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from chalicelib.domain import signatures as sig
from chalicelib.services.admin.certificates import trust_roots, unavailable

if TYPE_CHECKING:
    from chalicelib.documents.pades import Environment, Identity
    from chalicelib.domain.dossier import Dossier
    from chalicelib.services.container import Deps

_env_lock = threading.Lock()
_envs: dict[tuple[str, str, bool], Environment] = {}


def environment(deps: Deps) -> Environment:
    from chalicelib.documents.pades import Environment

    s = deps.settings
    if not s.tsa_url:
        raise unavailable(
            "Chưa cấu hình dịch vụ cấp dấu thời gian (TSA_URL).",
            "No timestamp service is configured (TSA_URL).",
        )
    key = (s.signing_trust_roots, s.tsa_url, s.signing_fetch_revocation)
    with _env_lock:
        if key not in _envs:
            from chalicelib.documents.pades import fetcher_backend, http_timestamper

            _envs[key] = Environment(
                trust_roots_der=trust_roots(deps),
                timestamper=http_timestamper(s.tsa_url, timeout=10),
                allow_fetching=s.signing_fetch_revocation,
                fetcher_backend=fetcher_backend(timeout=10),
            )
        return _envs[key]


def approving_official(dossier: Dossier) -> str:
    """The official who approved the last step of the lead agency (else of any agency)."""
    done = [s for s in dossier.steps if s.handled_by and s.finished_at is not None]
    done += [s for s in dossier.steps if s.handled_by and s.finished_at is None]
    lead = [s for s in done if s.agency == dossier.lead_agency]
    pick = sorted(lead or done, key=lambda s: (s.stage, s.finished_at is not None))
    if not pick or not pick[-1].handled_by:
        raise unavailable(
            "Không xác định được người có thẩm quyền đã phê duyệt hồ sơ để ký kết quả.",
            "No approving official is recorded for the dossier.",
        )
    return pick[-1].handled_by


def _identity(deps: Deps, role: sig.SignerRole, holder: str) -> Identity:
    from chalicelib.services.admin import certificates

    return certificates.identity(deps, role, holder, sig.FIELD_NAMES[role])


def sign_document(
    deps: Deps,
    pdf: bytes,
    signers: list[tuple[sig.SignerRole, str]],
    boxes: list[tuple[int, int, int, int]] | None = None,
) -> bytes:
    """`pdf` signed by each (role, holder) in order, each stamp in its own box (default: side
    by side in the strip above the footer)."""
    from chalicelib.documents import pades

    ids = [_identity(deps, role, holder) for role, holder in signers]
    env = environment(deps)
    if boxes is None:
        boxes = pades.stamp_boxes(pades.page_size(pdf)[0], len(ids))
    out = pdf
    for who, box in zip(ids, boxes, strict=True):
        try:
            out = pades.sign(out, deps.signer, who, env, box=box, now=deps.clock())
        except pades.UnreadablePdf as exc:
            from chalicelib.domain.errors import InvalidInput

            raise InvalidInput(
                "Tệp PDF bị lỗi cấu trúc, không ký số được. Hãy xuất lại tệp PDF.",
                "The PDF is malformed and cannot be signed; export it again.",
                code="pdf_unreadable",
                field="key",
            ) from exc
        except pades.SigningError as exc:
            raise unavailable(
                f"Không ký số được văn bản ({who.name}): {str(exc)[:200]}",
                f"Could not sign ({who.name}): {str(exc)[:200]}",
            ) from exc
    return out


def sign_issued(deps: Deps, pdf: bytes, agency: str) -> bytes:
    """A form the office hands out (receipt, forms 02-05) signed by the issuing `agency` alone,
    its stamp under the form's right-hand signature block. No certificate in force for the
    agency is a 503 (`signing_unavailable`): nothing unsigned is handed out."""
    from chalicelib.documents import pades

    box = pades.issued_stamp_box(*pades.page_size(pdf))
    return sign_document(deps, pdf, [(sig.SignerRole.AGENCY, agency)], boxes=[box])


def sign_result(deps: Deps, dossier: Dossier, pdf: bytes, official: str | None = None) -> bytes:
    """The result signed by the official (default: the approving one), then the lead agency."""
    holders = {
        sig.SignerRole.OFFICIAL: official or approving_official(dossier),
        sig.SignerRole.AGENCY: dossier.lead_agency,
    }
    return sign_document(deps, pdf, [(r, holders[r]) for r in sig.required_signatures("result")])


def verify_pdf(deps: Deps, pdf: bytes, document: str = "result") -> dict[str, Any]:
    """pyHanko's report on `pdf`: a verdict with its reason and each signer's facts and lines."""
    from chalicelib.documents import pades

    roots = trust_roots(deps)
    checks = pades.validate(pdf, roots, allow_fetching=False)
    verdict = sig.judge(checks, document)
    vi, en = sig.REASONS[verdict]
    return {
        "valid": verdict is sig.Reason.VALID,
        "reason": verdict.value,
        "reason_vi": vi,
        "reason_en": en,
        "signatures": [
            {
                **c.model_dump(mode="json"),
                "role": (r.value if (r := sig.role_of(c.field_name)) else None),
                "lines_vi": sig.describe(c),
            }
            for c in checks
        ],
    }
