"""What the PAdES signatures add to a document: a one-page result signed as the official and as
the agency, and a receipt (form 01; forms 02-05 alike) signed as the agency (pyHanko; keys in
moto's KMS, DIGEST signing; the test PKI's TSA over HTTP and its CRLs embedded: B-LT), each
validated. Side by side: pyHanko's default clients and font handling ("before") and the app's
("after"), with the ratio. Target (issue 19): signing and timestamping add at most 300 ms per
document. A measurement, printed; never an assertion (the asserts check the output is valid).

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
        receipt = _receipt_pdf()
        envs = {
            # pyHanko's defaults: aiohttp TSA client and fetchers (a session and a certifi SSL
            # context each time), the stamp font subset on every signature
            "before": pades.Environment(
                der, HTTPTimeStamper(svc.tsa_url), allow_fetching=True, cache_font_subsets=False
            ),
            # the app's (services/dossier/signing.environment): requests clients, cached subsets
            "after": pades.Environment(
                der,
                pades.http_timestamper(svc.tsa_url),
                allow_fetching=True,
                fetcher_backend=pades.fetcher_backend(),
            ),
        }
        times: dict[tuple[str, str], list[float]] = {}
        render_ms, verify_ms = [], []
        for i in range(rounds + 1):  # the first round warms imports and caches: not counted
            for name, env in envs.items():  # interleaved, so the machine's load hits both alike
                t0 = time.perf_counter()
                pdf = render_result_pdf(data)
                t1 = time.perf_counter()
                boxes = pades.stamp_boxes(595.28, 2)
                for who, box in zip(ids, boxes, strict=True):
                    pdf = pades.sign(pdf, signer, who, env, box=box)
                t2 = time.perf_counter()
                form = pades.sign(
                    receipt, signer, ids[1], env, box=pades.issued_stamp_box(419.53, 595.28)
                )
                t3 = time.perf_counter()
                verdict = judge(pades.validate(pdf, der))
                assert verdict.value == "valid", (name, verdict)
                assert judge(pades.validate(form, der), "receipt").value == "valid", name
                t4 = time.perf_counter()
                if i:
                    times.setdefault(("result", name), []).append((t2 - t1) * 1000)
                    times.setdefault(("receipt", name), []).append((t3 - t2) * 1000)
                    if name == "after":
                        render_ms.append((t1 - t0) * 1000)
                        verify_ms.append((t4 - t3) * 1000)

    def med(xs: list[float]) -> float:
        return statistics.median(xs)

    print(f"PAdES signing, {rounds} rounds each, interleaved; {len(pdf)} bytes (result)")
    print(f"  {'document':<44} {'before':>9} {'after':>9} {'after/before':>13}")
    rows = (
        ("result: official + agency (2 x B-LT)", "result"),
        ("receipt / form 01-05: agency (1 x B-LT)", "receipt"),
    )
    for label, doc in rows:
        b, a = med(times[(doc, "before")]), med(times[(doc, "after")])
        print(f"  {label:<44} {b:7.1f}ms {a:7.1f}ms {a / b:12.2f}x")
    per = [x / 2 for x in times[("result", "after")]]
    print(f"  per signature (after)                        median {med(per):7.1f} ms")
    print(f"  render the result (fpdf2, no signature)      median {med(render_ms):7.1f} ms")
    print(f"  validate the result's two (pyHanko)          median {med(verify_ms):7.1f} ms")
    print("  target: signing + timestamping a document adds <= 300 ms (issue 19)")
    print("  before = pyHanko's defaults (aiohttp TSA and fetchers, font subset per signature);")
    print("  after = the app's (requests TSA and fetchers, stamp font subsets reused)")


def _receipt_pdf() -> bytes:
    """A receipt (form 01, A5) as the desk prints it."""
    from datetime import timedelta

    from chalicelib.documents.receipt import ReceiptData, ReceiptDocument, render_receipt

    at = datetime.now(UTC)
    return render_receipt(
        ReceiptData(
            authority_name="UBND TỈNH HẬU GIANG",
            agency_name="TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG TỈNH HẬU GIANG",
            place_name="Hậu Giang",
            number="7/TNHS",
            dossier_code="H33.50-261207-0001",
            applicant_name="Nguyễn Văn An",
            applicant_address="Số 12, đường Trần Hưng Đạo, Vị Thanh",
            applicant_phone="0912 345 678",
            applicant_email="an@example.vn",
            procedure_name="Đăng ký thành lập doanh nghiệp tư nhân",
            documents=(ReceiptDocument(name="Giấy đề nghị", form="original", count=1),),
            processing_time="3 ngày làm việc",
            received_at=at,
            appointment_at=at + timedelta(days=3),
            result_place="Trung tâm Phục vụ hành chính công tỉnh Hậu Giang",
            register_book="Sổ theo dõi hồ sơ năm 2026",
            register_line=7,
            officer_name="Lê Thị Mai",
            fee_total_vnd=100000,
            lookup_url="http://localhost:8000/#/lookup?code=H33.50-261207-0001",
        )
    )


if __name__ == "__main__":
    main()
