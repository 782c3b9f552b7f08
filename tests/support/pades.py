"""Test helpers for signed PDFs: pdfsig against a trust root, a small unsigned PDF."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path


def small_pdf(text: str = "Thong bao ket qua") -> bytes:
    """A one-page PDF with uncompressed content (so a test can flip a byte of its text)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_compression(False)
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())


def pdfsig(pdf: bytes, root_pem: bytes | None) -> str:
    """poppler's pdfsig on `pdf`, trusting `root_pem` through a temporary NSS database."""
    assert shutil.which("pdfsig") and shutil.which("certutil"), (
        "apt-get install poppler-utils libnss3-tools"
    )
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "nss"
        db.mkdir()
        subprocess.run(
            ["certutil", "-N", "-d", f"sql:{db}", "--empty-password"],
            check=True,
            capture_output=True,
        )
        if root_pem is not None:
            (Path(tmp) / "root.pem").write_bytes(root_pem)
            subprocess.run(
                [
                    "certutil",
                    "-A",
                    "-d",
                    f"sql:{db}",
                    "-n",
                    "root",
                    "-t",
                    "CT,C,C",
                    "-a",
                    "-i",
                    str(Path(tmp) / "root.pem"),
                ],
                check=True,
                capture_output=True,
            )
        (Path(tmp) / "doc.pdf").write_bytes(pdf)
        done = subprocess.run(
            ["pdfsig", "-nssdir", f"sql:{db}", str(Path(tmp) / "doc.pdf")],
            capture_output=True,
            text=True,
            timeout=60,
        )
        return done.stdout
