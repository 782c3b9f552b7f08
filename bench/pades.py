"""What the PAdES signatures add to a one-page result: render it, then sign it as the official
and as the agency (pyHanko; keys in moto's KMS, DIGEST signing; the test PKI's TSA over HTTP and
its CRLs embedded: B-LT), and validate it. Target (issue 19): signing and timestamping add at most
300 ms. A measurement, printed; never an assertion.

    python -m bench.pades            # 20 rounds
    python -m bench.pades --smoke    # 2 rounds (CI checks it runs)
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import UTC, datetime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="two rounds only")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    rounds = 2 if args.smoke else args.rounds
    for k, v in {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}.items():
        os.environ.setdefault(k, v)

    import boto3
    from cryptography.hazmat.primitives.serialization import Encoding, load_der_public_key
    from moto import mock_aws
    from pyhanko.sign.timestamps import HTTPTimeStamper

    from chalicelib.documents import pades
    from chalicelib.documents.result import ResultData, render_result_pdf
    from chalicelib.domain.signatures import FIELD_NAMES, SignerRole, judge
    from chalicelib.integrations.signer import KmsSigner
    from infra.local.pki_server import local_pki
    from infra.moto_patches import kms_digest

    kms_digest.apply()
    svc = local_pki()
    der = (svc.pki.root.cert.public_bytes(Encoding.DER),)
    env = pades.Environment(der, HTTPTimeStamper(svc.tsa_url), allow_fetching=True)
    chain = tuple(c.public_bytes(Encoding.DER) for c in svc.pki.chain())
    data = ResultData(
        result_id="0" * 32,
        authority_name="UBND TỈNH HẬU GIANG",
        agency_name="Sở Tư pháp tỉnh Hậu Giang",
        place_name="Hậu Giang",
        number="H33.02-261207-0001/KQ",
        procedure_name="Cấp Phiếu lý lịch tư pháp",
        applicant_name="Nguyễn Văn An",
        dossier_code="H33.02-261207-0001",
        issued_at=datetime.now(UTC),
        verify_url="http://localhost:8000/verify.html?id=0",
    )
    with mock_aws():
        kms = boto3.client("kms", region_name="ap-southeast-1")
        signer = KmsSigner(kms)
        ids = []
        for role, name in (
            (SignerRole.OFFICIAL, "Phạm Minh Tuấn"),
            (SignerRole.AGENCY, "Sở Tư pháp"),
        ):
            kid = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"][
                "Arn"
            ]
            pub = load_der_public_key(signer.public_key_der(kid))
            cert = svc.pki.issue(pub, name, "Sở Tư pháp tỉnh Hậu Giang")  # type: ignore[arg-type]
            ids.append(
                pades.Identity(
                    kid,
                    cert.public_bytes(Encoding.DER),
                    chain,
                    FIELD_NAMES[role],
                    name,
                    "",
                    "Sở Tư pháp",
                )
            )
        render_ms, sign_ms, verify_ms = [], [], []
        for i in range(rounds + 1):  # the first round warms imports and caches: not counted
            t0 = time.perf_counter()
            pdf = render_result_pdf(data)
            t1 = time.perf_counter()
            boxes = pades.stamp_boxes(595.28, 2)
            for who, box in zip(ids, boxes, strict=True):
                pdf = pades.sign(pdf, signer, who, env, box=box)
            t2 = time.perf_counter()
            verdict = judge(pades.validate(pdf, der))
            t3 = time.perf_counter()
            if i:
                render_ms.append((t1 - t0) * 1000)
                sign_ms.append((t2 - t1) * 1000)
                verify_ms.append((t3 - t2) * 1000)
        assert verdict.value == "valid", verdict

    def line(name: str, xs: list[float]) -> str:
        return f"  {name:<38} median {statistics.median(xs):7.1f} ms   max {max(xs):7.1f} ms"

    print(f"PAdES on a one-page result, {rounds} rounds, {len(pdf)} bytes signed")
    print(line("render (fpdf2, no signature)", render_ms))
    print(line("sign official + agency (B-LT, TSA, CRL)", sign_ms))
    print(line("  of which per signature", [x / 2 for x in sign_ms]))
    print(line("validate both (pyHanko)", verify_ms))
    print("  target: signing + timestamping adds <= 300 ms (issue 19)")


if __name__ == "__main__":
    main()
