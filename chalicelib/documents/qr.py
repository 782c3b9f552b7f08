"""QR images of a dossier's lookup link, for the receipt and the public QR endpoints.

`qrcode` (and Pillow behind it) is imported inside the functions: every Lambda imports `app.py`,
and only the few that draw a QR should pay for loading them.
"""

from __future__ import annotations

import io
from typing import Any


def _build(data: str, box_size: int, image_factory: Any = None) -> Any:
    """Encode `data` with error correction M (survives a smudged or folded paper slip)."""
    if not data:
        raise ValueError("QR payload is empty")
    if box_size < 1:
        raise ValueError("box_size must be at least 1")
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(
        error_correction=ERROR_CORRECT_M,
        box_size=box_size,
        border=4,  # the quiet zone the standard requires; scanners fail without it
        image_factory=image_factory,
    )
    code.add_data(data)
    code.make(fit=True)
    return code.make_image()


def qr_png(data: str, box_size: int = 6) -> bytes:
    """The QR of `data` as PNG bytes, `box_size` pixels per module."""
    image = _build(data, box_size)
    buffer = io.BytesIO()
    image.save(buffer)  # PilImage: PNG by default
    return buffer.getvalue()


def qr_svg(data: str) -> str:
    """The QR of `data` as a standalone SVG document (one path, white background) for the web."""
    from qrcode.image.svg import SvgPathFillImage

    image = _build(data, 10, SvgPathFillImage)  # SVG units: box_size 10 = 1 mm per module
    # No XML declaration: it would name an encoding, which is wrong for text that gets re-encoded.
    return str(image.to_string(encoding="unicode"))
