"""Scanned deliberations: the uploaded PDF checked, and its pages as images for the
convention's PDF.

Checking (``check_upload``): the size first (``CTG_UPLOAD_MAX_BYTES``, the limit of every
upload), then the content, whatever the file's name or type says: it must parse as a PDF
(pyHanko's reader, already there for signing, with its limits for untrusted input), not be
encrypted, and have a page tree whose pages and content streams can be read. The SHA-256
of the bytes and the number of pages are kept with the file.

Printing (``page_images``): each page is rasterized with poppler's ``pdftoppm``
(poppler-utils, the Debian package the PDF tests already use) to a JPEG, and the document
shows the images on pages of its own. Why images rather than the scan's own pages laid
over pages reserved by WeasyPrint: the convention must stay PDF/A-3b with every font
embedded, and an uploaded PDF may hold anything (unembedded fonts, JavaScript, forms, its
own colour spaces, broken objects); as images, nothing of its structure reaches our file,
the running header, « Page X / Y » and the initials box are drawn by the same @page rules
as every other page, and the sommaire's page numbers come from the same layout. A scan is
a picture of paper anyway. The images are read from the storage, server-side, and handed
to the renderer by its URL fetcher (``conventions.documents``), which serves them under
URLs the document itself made; the scan's hash is checked before use.
"""

import hashlib
import io
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError

MAX_PAGES = 40
# Pixels on the longest side of a page: 150 dpi on an A4 page.
RASTER_SIZE = 1754
JPEG_QUALITY = 80
# Changes with how the pages are turned into images (a part of the cache key of the PDF).
RASTER_VERSION = f"pdftoppm-jpeg-{RASTER_SIZE}-{JPEG_QUALITY}"
RASTER_TIMEOUT = 120  # seconds, for the whole scan


class ScanError(Exception):
    """A stored scan cannot be printed (altered, or poppler missing or failing)."""


@dataclass(frozen=True)
class CheckedScan:
    data: bytes
    sha256: str
    pages: int


def megabytes(size):
    return f"{size / 1024 / 1024:.1f} Mo".replace(".", ",")


def check_upload(upload):
    """The uploaded file's bytes, hash and page count, or a ``ValidationError`` in French."""
    limit = settings.CTG_UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            f"Le fichier pèse {megabytes(upload.size)} : la limite est de {megabytes(limit)}.",
            code="too_large",
        )
    upload.seek(0)
    data = upload.read()
    pages = count_pages(data)
    return CheckedScan(data=data, sha256=hashlib.sha256(data).hexdigest(), pages=pages)


NOT_A_PDF = "Ce fichier n'est pas un PDF : joignez la délibération scannée au format PDF."
BROKEN = "Ce PDF est illisible ou endommagé : enregistrez-le de nouveau, puis joignez-le."
ENCRYPTED = (
    "Ce PDF est protégé (chiffré ou par un mot de passe) : joignez-en une copie sans protection."
)


def count_pages(data):
    """The number of pages of the PDF ``data``, read through its page tree; every page's
    content is decoded, so that a damaged file is refused now, not when it is printed."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    if not data.startswith(b"%PDF-"):
        raise ValidationError(NOT_A_PDF, code="not_pdf")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            raise ValidationError(ENCRYPTED, code="encrypted")
        pages = 0
        seen = set()
        nodes = [reader.root["/Pages"]]
        while nodes:
            node = nodes.pop()
            if "/Kids" not in node:
                contents = node.get("/Contents")
                streams = contents if isinstance(contents, generic.ArrayObject) else [contents]
                for stream in streams:
                    if stream is not None:
                        stream.get_object().data  # noqa: B018  (decoded: fails if damaged)
                pages += 1
                continue
            for kid in node.raw_get("/Kids"):
                key = kid.reference if isinstance(kid, generic.IndirectObject) else id(kid)
                if key in seen or len(seen) > 10 * MAX_PAGES:
                    raise ValueError("page tree loops or is too large")
                seen.add(key)
                nodes.append(kid.get_object())
    except ValidationError:
        raise
    except (PdfError, ValueError, KeyError, TypeError, IndexError, AttributeError, OSError):
        raise ValidationError(BROKEN, code="broken") from None
    if pages == 0:
        raise ValidationError(BROKEN, code="broken")
    if pages > MAX_PAGES:
        raise ValidationError(
            f"Ce PDF a {pages} pages : une délibération scannée en a {MAX_PAGES} au plus.",
            code="too_many_pages",
        )
    return pages


def read_scan(deliberation):
    """The stored scan's bytes, checked against the hash recorded at upload."""
    try:
        with deliberation.scan.open("rb") as file:
            data = file.read()
    except OSError as error:
        raise ScanError(f"La délibération scannée « {deliberation} » est introuvable.") from error
    if hashlib.sha256(data).hexdigest() != deliberation.scan_sha256:
        raise ScanError(
            f"La délibération scannée « {deliberation} » ne correspond plus à son empreinte."
        )
    return data


def page_images(data):
    """The pages of the PDF ``data`` as JPEG images, in order (poppler's pdftoppm)."""
    with tempfile.TemporaryDirectory(prefix="ctg-scan-") as folder:
        source = Path(folder) / "scan.pdf"
        source.write_bytes(data)
        command = [
            "pdftoppm",
            "-q",
            "-l",
            str(MAX_PAGES),
            "-scale-to",
            str(RASTER_SIZE),
            "-jpeg",
            "-jpegopt",
            f"quality={JPEG_QUALITY}",
            str(source),
            str(Path(folder) / "page"),
        ]
        try:
            subprocess.run(command, check=True, capture_output=True, timeout=RASTER_TIMEOUT)
        except FileNotFoundError as error:
            raise ScanError(
                "pdftoppm (paquet poppler-utils) manque sur le serveur : les délibérations "
                "scannées ne peuvent pas être imprimées."
            ) from error
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            raise ScanError("Une délibération scannée n'a pas pu être lue.") from error
        # page-1.jpg... or page-01.jpg...: the same width for every page of one file.
        return [path.read_bytes() for path in sorted(Path(folder).glob("page-*.jpg"))]
