"""Hostile scans: refused at upload with the real reason, under bounded memory and time,
and a scan that cannot be rasterised in time fails fast instead of blocking the download.

The hostile files are hand-written PDF bytes, made here (a few KB each)."""

import functools
import hashlib
import html
import os
import tracemalloc
import zlib

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse

from conventions import scans

# --- Hand-written PDFs -------------------------------------------------------------------------


def stream(data, **entries):
    extra = "".join(f" /{key} {value}" for key, value in entries.items())
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra.encode()) + data + b"\nendstream"


def pdf(objects):
    """PDF bytes whose objects 1, 2... have the bodies ``objects`` (1 is the catalog)."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    start = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    return bytes(out + b"startxref\n%d\n%%%%EOF\n" % start)


PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R /Resources %s >>"
IMAGE = b"<< /XObject << /Im0 5 0 R >> >>"
DRAW_IMAGE = stream(b"q 595 0 0 842 0 0 cm /Im0 Do Q")


def one_page(content, resources=b"<< >>", *extra):
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            PAGE % (4, resources),
            content,
            *extra,
        ]
    )


@functools.cache
def deflated_zeros(size):
    """``size`` zero bytes (a multiple of 1 MiB) as a zlib stream, made in a blink: after a
    full flush, every further MiB of zeros compresses to the same bytes."""
    chunk = bytes(1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    body = first + block * ((size >> 20) - 1) + compressor.flush()
    adler32 = (size % 65521) << 16 | 1  # of zeros only
    return b"\x78\xda" + body + adler32.to_bytes(4, "big")


@functools.cache
def bomb_content():
    """One page whose content stream, deflated twice, inflates to 2 GiB (about 5 KB)."""
    data = zlib.compress(deflated_zeros(2 << 30), 9)
    return one_page(stream(data, Filter="[/FlateDecode /FlateDecode]"))


@functools.cache
def bomb_image():
    """One page showing a 40,000 × 40,000 grey image (1.6 GB) deflated twice."""
    data = zlib.compress(deflated_zeros(1600 << 20), 9)
    image = stream(
        data,
        Type="/XObject",
        Subtype="/Image",
        Width=40000,
        Height=40000,
        ColorSpace="/DeviceGray",
        BitsPerComponent=8,
        Filter="[/FlateDecode /FlateDecode]",
    )
    return one_page(DRAW_IMAGE, IMAGE, image)


@functools.cache
def bomb_upload_size():
    """One page whose content stream, deflated once, inflates to 18 GiB: 19 MB, within the
    upload limit (20 MB)."""
    return one_page(stream(deflated_zeros(18 << 30), Filter="/FlateDecode"))


def drawing_operators():
    """One page with 2 MB of drawing operators (a few KB deflated)."""
    operators = b"10 10 m 500 800 l S\n" * 100_000
    return one_page(stream(zlib.compress(operators, 9), Filter="/FlateDecode"))


def jbig2():
    image = stream(
        b"\x97JB2\r\n\x1a\n" + bytes(64),
        Type="/XObject",
        Subtype="/Image",
        Width=100,
        Height=100,
        ColorSpace="/DeviceGray",
        BitsPerComponent=1,
        Filter="/JBIG2Decode",
    )
    return one_page(DRAW_IMAGE, IMAGE, image)


def many_pages(count=1000):
    """``count`` pages sharing one content stream: the 2 GiB bomb."""
    kids = b" ".join(b"%d 0 R" % (3 + index) for index in range(count))
    content = 3 + count
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
        *[PAGE % (content, b"<< >>")] * count,
        stream(zlib.compress(deflated_zeros(2 << 30), 9), Filter="[/FlateDecode /FlateDecode]"),
    ]
    return pdf(objects)


HOSTILE = [
    ("bomb_content", bomb_content, "décompressé", "bomb"),
    ("bomb_upload_size", bomb_upload_size, "décompressé", "bomb"),
    ("bomb_image", bomb_image, "image", "image_too_large"),
    ("drawing_operators", drawing_operators, "instructions de dessin", "too_much_drawing"),
    ("jbig2", jbig2, "JBIG2", "jbig2"),
    ("many_pages", many_pages, "Ce PDF a 1000 pages", "too_many_pages"),
]


def refusal(data):
    """The ``ValidationError`` of ``check_upload`` and its peak of Python memory (bytes)."""
    tracemalloc.start()
    try:
        with pytest.raises(ValidationError) as refused:
            scans.check_upload(ContentFile(data, name="deliberation.pdf"))
        return refused.value, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("kind, make, message, code", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_a_hostile_scan_is_refused_with_its_reason_in_bounded_memory(
    settings, kind, make, message, code
):
    data = make()
    assert len(data) < settings.CTG_UPLOAD_MAX_BYTES  # made here, in memory

    error, peak = refusal(data)

    assert error.code == code
    assert message in error.message
    assert peak < 100 * 1024 * 1024, f"{peak / 1024 / 1024:.0f} MB"


def test_the_page_count_is_checked_before_any_stream_is_decoded(monkeypatch):
    def decoded(*args, **kwargs):
        raise AssertionError("a stream was decoded")

    monkeypatch.setattr("pyhanko.pdf_utils.generic.StreamObject.read_data", decoded)

    error, _peak = refusal(many_pages())

    assert error.code == "too_many_pages"


# --- Rasterising under limits -------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _forgotten_failures():
    """Failed scans are remembered in the cache: each test starts and ends without."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def fake_pdftoppm(tmp_path, monkeypatch):
    """Install a ``pdftoppm`` running the shell ``script``; its calls are logged."""
    log = tmp_path / "calls.log"

    def install(script):
        command = tmp_path / "bin" / "pdftoppm"
        command.parent.mkdir()
        command.write_text(f'#!/bin/sh\necho call >> "{log}"\n{script}\n')
        command.chmod(0o755)
        monkeypatch.setenv("PATH", f"{command.parent}:{os.environ['PATH']}")
        return log

    return install


def calls(log):
    return log.read_text().count("call") if log.exists() else 0


SCAN = one_page(stream(b"0 0 595 842 re f"))


def test_a_scan_slower_than_the_time_limit_fails_with_a_message_then_at_once(
    settings, fake_pdftoppm
):
    settings.CTG_SCAN_RASTER_TIMEOUT = 1
    log = fake_pdftoppm("exec sleep 5")

    with pytest.raises(scans.ScanError, match="n'a pas pu être imprimée en moins de 1 s"):
        scans.page_images(SCAN)
    with pytest.raises(scans.ScanError, match="n'a pas pu être imprimée en moins de 1 s"):
        scans.page_images(SCAN)

    assert calls(log) == 1  # the second time, the failure is remembered: no wait


def test_pdftoppm_runs_under_the_memory_limit(settings, fake_pdftoppm, tmp_path):
    settings.CTG_SCAN_RASTER_MEMORY_MB = 123
    fake_pdftoppm(f'ulimit -v > "{tmp_path / "limit"}"; exit 1')

    with pytest.raises(scans.ScanError, match="n'a pas pu être imprimée"):
        scans.page_images(SCAN)

    assert (tmp_path / "limit").read_text().strip() == str(123 * 1024)  # in KiB


@pytest.mark.django_db
def test_the_download_with_a_slow_scan_fails_fast_with_its_message(
    client, demo, settings, fake_pdftoppm
):
    settings.MEDIA_ROOT = settings.MEDIA_ROOT / "scan-lent"  # an empty PDF cache
    settings.CTG_SCAN_RASTER_TIMEOUT = 1
    log = fake_pdftoppm("exec sleep 5")
    deliberation = demo.deliberations.order_by("pk").first()
    deliberation.scan_sha256 = hashlib.sha256(SCAN).hexdigest()
    deliberation.scan_pages = 1
    deliberation.scan.save("scan.pdf", ContentFile(SCAN), save=True)
    client.login(username="lecteur-jura-nord", password="demo-ctg")
    url = reverse("conventions:document-download", args=[demo.pk])

    first, second = client.get(url), client.get(url)

    for response in (first, second):
        assert response.status_code == 503
        page = html.unescape(response.content.decode())
        assert "n'a pas pu être imprimée en moins de 1 s" in page
        assert f"La délibération scannée « {deliberation} » ne peut pas être imprimée" in page
    assert calls(log) == 1
