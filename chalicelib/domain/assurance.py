"""Assurance levels of electronic identification (NĐ 69/2024/NĐ-CP) and what each procedure needs.

VNeID accounts are level 1 (registered on the app; identity not verified in person) or level 2
(identity verified against the chip ID card, in person or by the police). A procedure declares the
level an online applicant must have (`Procedure.assurance_level`):

- 0: any signed-in citizen (our own password accounts too);
- 1: a VNeID account of level 1 or 2;
- 2: a VNeID account of level 2.

A password account of our own user pool counts as level 0: nobody checked who opened it. The
provider tells the level in the ID token's `acr`; `level_of_acr` reads the values the VNeID twin
(and this module) know. Pure: no I/O.
"""

from __future__ import annotations

from chalicelib.domain.errors import Forbidden

ACR_LEVELS: dict[str, int] = {"urn:vneid:loa:1": 1, "urn:vneid:loa:2": 2}
MAX_LEVEL = 2


def level_of_acr(acr: str) -> int | None:
    """The level an `acr` value stands for, or None for a value we do not know."""
    return ACR_LEVELS.get(acr)


def acr_for_level(level: int) -> str:
    """The `acr_values` to ask the provider for at least `level` (level 0 asks for level 1)."""
    wanted = max(1, min(level, MAX_LEVEL))
    ranked = sorted(ACR_LEVELS.items(), key=lambda item: -item[1])
    return " ".join(acr for acr, lv in ranked if lv >= wanted)


def require_level(have: int, need: int) -> None:
    """Forbidden(assurance_too_low) unless an account of level `have` may use a level-`need`
    procedure; the message says what to do."""
    if have >= need:
        return
    if have == 0:
        raise Forbidden(
            f"Thủ tục này yêu cầu đăng nhập bằng tài khoản định danh điện tử VNeID mức độ {need}. "
            "Vui lòng đăng xuất và đăng nhập bằng VNeID, hoặc nộp hồ sơ trực tiếp tại Bộ phận "
            "Một cửa.",
            f"This procedure needs a VNeID account of level {need}; "
            "sign in with VNeID or apply at the desk.",
            code="assurance_too_low",
        )
    raise Forbidden(
        f"Thủ tục này yêu cầu tài khoản định danh điện tử mức độ {need}. Tài khoản VNeID của bạn "
        f"đang ở mức độ {have}: vui lòng nâng lên mức độ {need} (xác thực tại cơ quan Công an "
        "hoặc trên ứng dụng VNeID) rồi đăng nhập lại, hoặc nộp hồ sơ trực tiếp tại Bộ phận "
        "Một cửa.",
        f"This procedure needs a level-{need} electronic identity; your VNeID account is level "
        f"{have}. Upgrade it and sign in again, or apply at the desk.",
        code="assurance_too_low",
    )
