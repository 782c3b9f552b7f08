"""Personal data masking for the public lookup and the logs."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.masking import (
    mask_address,
    mask_email,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_pii,
    scrub_text,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("Nguyễn Văn An", "Nguyễn V** A*"),
        ("Trần Thị Ngọc Ánh", "Trần T** N*** Á**"),
        ("  Lê   Đức  ", "Lê Đ**"),
        ("Ánh", "Á**"),
        ("A", "A"),
        ("", ""),
    ],
)
def test_name_keeps_family_name_and_initials(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_name_masking_counts_decomposed_vietnamese_letters_as_one() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Văn Ấn")
    assert mask_name(decomposed) == "Nguyễn V** Ấ*"


def test_name_masking_hides_every_letter_but_initials() -> None:
    masked = mask_name("Phạm Minh Khôi")
    assert "inh" not in masked
    assert "hôi" not in masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("001099012345", "********2345"),  # CCCD, 12 digits: keep 4
        ("381234567", "******567"),  # CMND, 9 digits: keep 3
        ("C1234567", "*****567"),  # passport
        ("1234", "**34"),  # never more than half
        ("", ""),
    ],
)
def test_id_number_keeps_only_the_last_digits(value: str, masked: str) -> None:
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("0912345678", "*******678"),
        ("+84 912 345 678", "+** *** *** 678"),
        ("0912.345.678", "****.***.678"),
        ("12", "*2"),  # never more than half
    ],
)
def test_phone_keeps_last_three_digits_and_formatting(value: str, masked: str) -> None:
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("nguyenvanan@gmail.com", "n***@gmail.com"),
        ("a@haugiang.gov.vn", "a***@haugiang.gov.vn"),
        ("not-an-email", "n***"),
        ("", ""),
    ],
)
def test_email_keeps_first_letter_and_domain(value: str, masked: str) -> None:
    assert mask_email(value) == masked


def test_address_keeps_only_the_last_part() -> None:
    assert mask_address("Số 12, Phường 1, Vị Thanh, Hậu Giang") == "***, Hậu Giang"
    assert mask_address("Ấp 3") == "***"


def test_mask_pii_masks_known_keys_case_insensitively_in_nested_data() -> None:
    record: dict[str, Any] = {
        "dossier_code": "H15.50-261130-0001",
        "applicant": {
            "name": "Nguyễn Văn An",
            "ID_Number": "001099012345",
            "phone": "0912345678",
            "email": "an@gmail.com",
            "address": "Số 12, Vị Thanh, Hậu Giang",
        },
        "SoGiayToChuHoSo": "381234567",
        "items": [{"CCCD": 1234567890123}, {"so_giay_to": "001099012345"}],
        "procedure": {"name": "Cấp giấy phép xây dựng"},
        "emailVerified": True,
    }
    got = mask_pii(record)
    assert got["dossier_code"] == "H15.50-261130-0001"
    assert got["applicant"] == {
        "name": "Nguyễn V** A*",
        "ID_Number": "********2345",
        "phone": "*******678",
        "email": "a***@gmail.com",
        "address": "***, Hậu Giang",
    }
    assert got["SoGiayToChuHoSo"] == "******567"
    assert got["items"] == [{"CCCD": "*********0123"}, {"so_giay_to": "********2345"}]
    assert got["procedure"] == {"name": "Cấp giấy phép xây dựng"}  # not a person's name
    assert got["emailVerified"] is True
    assert record["applicant"]["phone"] == "0912345678"  # the input is not mutated


@pytest.mark.parametrize(
    "key", ["id_number", "idNumber", "cccd", "CMND", "so_giay_to", "passport", "so_cccd"]
)
def test_mask_pii_recognises_id_key_spellings(key: str) -> None:
    assert mask_pii({key: "001099012345"}) == {key: "********2345"}


@pytest.mark.parametrize("key", ["phone", "Phone_Number", "so_dien_thoai", "sdt", "mobile"])
def test_mask_pii_recognises_phone_key_spellings(key: str) -> None:
    assert mask_pii({key: "0912345678"}) == {key: "*******678"}


def test_mask_pii_masks_lists_under_a_sensitive_key() -> None:
    got = mask_pii({"emails": ["an@gmail.com", "b@x.vn"], "phones": ("0912345678",)})
    assert got == {"emails": ["a***@gmail.com", "b***@x.vn"], "phones": ["*******678"]}


def test_mask_pii_scrubs_free_text_only_when_asked() -> None:
    data = {"note": "Gọi 0912345678 để bổ sung", "rows": ["CCCD 001099012345"]}
    assert mask_pii(data) == data
    assert mask_pii(data, scrub_strings=True) == {
        "note": "Gọi *******678 để bổ sung",
        "rows": ["CCCD ********2345"],
    }


def test_mask_pii_leaves_scalars_and_unknown_shapes_alone() -> None:
    assert mask_pii(42) == 42
    assert mask_pii(None) is None
    assert mask_pii(("a", 1)) == ("a", 1)


@pytest.mark.parametrize(
    ("text", "scrubbed"),
    [
        ("SĐT 0912345678, CCCD 001099012345", "SĐT *******678, CCCD ********2345"),
        ("gọi +84 912 345 678 nhé", "gọi +** *** *** 678 nhé"),
        ("số 0912.345.678", "số ****.***.678"),
        ("CMND 381234567 cấp 2010", "CMND ******567 cấp 2010"),
        ("email an.nguyen@gmail.com", "email a***@gmail.com"),
        ("mã hồ sơ H15.50-261130-0001", "mã hồ sơ H15.50-261130-0001"),
        ("ngày 2026-11-30 lúc 09:15, 1.500.000 đồng", "ngày 2026-11-30 lúc 09:15, 1.500.000 đồng"),
        (
            "a 13-digit number 1234567890123 is not an ID",
            "a 13-digit number 1234567890123 is not an ID",
        ),
        ("", ""),
    ],
)
def test_scrub_text_masks_ids_phones_and_emails_in_free_text(text: str, scrubbed: str) -> None:
    assert scrub_text(text) == scrubbed


@settings(max_examples=60, deadline=None)
@given(digits=st.text(alphabet="0123456789", min_size=9, max_size=12))
def test_scrub_text_never_leaks_a_whole_id_number(digits: str) -> None:
    out = scrub_text(f"giấy tờ {digits} hết hạn")
    assert digits not in out
    assert out.startswith("giấy tờ ") and out.endswith(" hết hạn")
    assert out.count("*") >= len(digits) - 4
