"""QR images of the lookup link: valid files that really encode the payload they are given."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from chalicelib.documents.qr import qr_png, qr_svg

pytestmark = pytest.mark.unit

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SVG_NS = "{http://www.w3.org/2000/svg}"
URL = "https://dichvucong.haugiang.example/tra-cuu/H15.50-261130-0001?t=abc123"


def test_png_is_a_valid_png() -> None:
    png = qr_png(URL)
    assert png.startswith(PNG_MAGIC)
    image = Image.open(io.BytesIO(png))
    image.verify()
    assert image.format == "PNG"
    assert image.size[0] == image.size[1]


def test_png_depends_on_payload() -> None:
    assert qr_png(URL) != qr_png(URL.replace("0001", "0002"))
    assert qr_png(URL) == qr_png(URL)  # deterministic, so it can be cached


def test_box_size_scales_the_png() -> None:
    small = Image.open(io.BytesIO(qr_png(URL, box_size=2))).size[0]
    large = Image.open(io.BytesIO(qr_png(URL, box_size=8))).size[0]
    assert large == small * 4


def test_longer_payload_needs_more_modules() -> None:
    short = Image.open(io.BytesIO(qr_png("H15", box_size=1))).size[0]
    long = Image.open(io.BytesIO(qr_png(URL * 3, box_size=1))).size[0]
    assert long > short


def test_svg_is_well_formed_svg() -> None:
    svg = qr_svg(URL)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    paths = root.findall(f"{SVG_NS}path")
    assert len(paths) == 1 and paths[0].get("d")


def test_svg_depends_on_payload() -> None:
    assert qr_svg(URL) != qr_svg(URL.replace("0001", "0002"))


@pytest.mark.parametrize("bad", [{"data": ""}, {"data": URL, "box_size": 0}])
def test_rejects_empty_payload_and_zero_box(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        qr_png(**bad)  # type: ignore[arg-type]
