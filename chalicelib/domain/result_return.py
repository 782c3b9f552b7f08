"""Returning the result (status 10): at the desk to a named recipient with an ID, by post with a
tracking number, or online (download, and a copy kept in the citizen's documents)."""

from __future__ import annotations

from typing import Literal

from chalicelib.domain.errors import InvalidInput

ReturnChannel = Literal["desk", "post", "online"]


def check_return(
    channel: ReturnChannel,
    recipient_name: str | None,
    recipient_id_number: str | None,
    tracking_number: str | None,
    offered: tuple[str, ...],
    has_owner: bool,
) -> None:
    if channel not in offered and not (channel == "desk"):
        raise InvalidInput(
            "Thủ tục này không trả kết quả qua kênh đã chọn.",
            "This procedure does not return results through that channel.",
            field="channel",
        )
    if channel == "desk" and (not recipient_name or not recipient_id_number):
        raise InvalidInput(
            "Trả tại bộ phận một cửa cần họ tên và số giấy tờ của người nhận.",
            "A desk hand-over needs the recipient's name and ID number.",
            field="recipient_name" if not recipient_name else "recipient_id_number",
        )
    if channel == "post" and not tracking_number:
        raise InvalidInput(
            "Trả qua bưu chính cần mã vận đơn.",
            "A postal return needs a tracking number.",
            field="tracking_number",
        )
    if channel == "online" and not has_owner:
        raise InvalidInput(
            "Hồ sơ nộp trực tiếp không có tài khoản để trả kết quả trực tuyến.",
            "A paper dossier has no account to return the result to online.",
            field="channel",
        )
