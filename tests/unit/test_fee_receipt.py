"""The fee receipt (biên lai) names exactly how the fee was paid: it once said "(Thanh toán trực
tuyến)" above "Tiền mặt tại Bộ phận Một cửa" on the same paper."""

from __future__ import annotations

import io
import unicodedata
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from chalicelib.documents.fee_receipt import FeeReceipt, render_fee_receipt
from chalicelib.domain.dossier import fee_method_label

PAID_AT = datetime(2026, 3, 2, 2, 15, tzinfo=UTC)  # 09:15 in Vietnam


def _text(method: str, **extra: str) -> str:
    pdf = render_fee_receipt(
        FeeReceipt(
            receipt_no="BL-0042",
            province="Hậu Giang",
            dossier_code="H33.50-260302-0001",
            payer_name="Nguyễn Văn An",
            amount_vnd=100_000,
            paid_at=PAID_AT,
            method=method,  # type: ignore[arg-type]
            **extra,
        )
    )
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    return unicodedata.normalize("NFC", text)


@pytest.mark.parametrize(
    ("method", "named", "never"),
    [
        ("cash", ["Nộp tiền mặt tại Bộ phận Một cửa", "Tiền mặt"], ["trực tuyến", "VNPay"]),
        ("transfer", ["Chuyển khoản"], ["trực tuyến", "VNPay", "Tiền mặt"]),
        ("online", ["Thanh toán trực tuyến qua VNPay"], ["Tiền mặt", "Chuyển khoản", "tại quầy"]),
    ],
)
def test_the_receipt_names_only_the_method_used(
    method: str, named: list[str], never: list[str]
) -> None:
    text = _text(method, transaction_no="14226112" if method == "online" else "")
    for words in named:
        assert words in text, text
    for words in never:
        assert words.lower() not in text.lower(), text
    assert "BL-0042" in text and "100.000" in text and "02/03/2026" in text, text
    # the gateway's transaction is an online payment's, and only there
    assert ("Mã giao dịch" in text) is (method == "online"), text


def test_method_labels_read_in_a_sentence_keep_the_desk_capitalised() -> None:
    assert fee_method_label("cash", in_sentence=True) == "tiền mặt tại Bộ phận Một cửa"
    assert fee_method_label("online") == "Thanh toán trực tuyến qua VNPay"
    assert fee_method_label(None) == "Tiền mặt tại Bộ phận Một cửa"
