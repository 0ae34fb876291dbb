"""Scanned deliberations: the uploaded PDF checked, and its pages as images for the
convention's PDF.

Checking (``check_upload``): the size first (``CTG_UPLOAD_MAX_BYTES``, the limit of every
upload), then the content, whatever the file's name or type says: it must parse as a PDF
(pyHanko's reader, already there for signing), not be encrypted, and have a page tree of at
most ``MAX_PAGES`` pages, counted before any stream is decoded. Then every stream of the
file: none compressed as JBIG2 (poppler's decoder is a known attack surface), no image
larger than ``MAX_IMAGE_PIXELS`` (images are not decoded here: poppler reads them line by
line), every other stream decoded under ``DECODE_LIMITS`` (a decompression bomb stops at
the limit, memory stays bounded), and no page with more than ``MAX_CONTENT_BYTES`` of
drawing instructions. Each refusal says its reason in French. The SHA-256 of the bytes and
the number of pages are kept with the file.

Printing (``page_images``): each page is rasterized with poppler's ``pdftoppm``
(poppler-utils, the Debian package the PDF tests already use) to a JPEG, within a time and
a memory limit (``CTG_SCAN_RASTER_TIMEOUT``, ``CTG_SCAN_RASTER_MEMORY_MB``; a scan that
fails is remembered for a while, so that the next downloads fail at once), and the document
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

import functools
import hashlib
import io
import resource
import subprocess
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.decode_limits import DecodeLimits, DocumentDecodeBudget, StreamDecodeLimits
from pyhanko.pdf_utils.misc import PdfDecodeLimitError, PdfError
from pyhanko.pdf_utils.reader import PdfFileReader

MiB = 1024 * 1024
MAX_PAGES = 40
# Decoded drawing instructions of one page (its content streams and the forms it draws): a
# scanned page draws its image in a few dozen bytes, and its text layer (OCR) takes tens of
# kilobytes.
MAX_CONTENT_BYTES = 1 * MiB
# Pixels of one image: an A4 page scanned at 600 dpi has 35 million.
MAX_IMAGE_PIXELS = 50_000_000
# Decoding of the streams that are not images, tighter than pyHanko's defaults (256 MB per
# stream and per document): 16 MB per stream, 64 MB for the whole file (or 3 times its size).
MAX_STREAM_BYTES = 16 * MiB
DECODE_LIMITS = DecodeLimits(
    per_stream=StreamDecodeLimits(max_output_size=MAX_STREAM_BYTES),
    document_budget=DocumentDecodeBudget(base_allowance=64 * MiB, max_ratio=3),
)
# Pixels on the longest side of a page: 150 dpi on an A4 page.
RASTER_SIZE = 1754
JPEG_QUALITY = 80
# Changes with how the pages are turned into images (a part of the cache key of the PDF).
RASTER_VERSION = f"pdftoppm-jpeg-{RASTER_SIZE}-{JPEG_QUALITY}"


# What pyHanko may raise on a PDF written to break readers: broken cross-references,
# assertions on impossible structures, loops and nestings deeper than Python's stack,
# streams that do not inflate, filters it does not know. Every uploaded PDF (a scan, a copy
# signed by hand, a file to verify) is read under this guard: a French message, never a
# server error.
PDF_READ_ERRORS = (
    PdfError,
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    AttributeError,
    AssertionError,
    RecursionError,
    OverflowError,
    OSError,
    NotImplementedError,
    zlib.error,
)


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


BOMB = (
    "Ce PDF contient des données qui, une fois décompressées, dépassent "
    f"{megabytes(MAX_STREAM_BYTES)} : c'est le signe d'un fichier piégé ; enregistrez-le de "
    "nouveau depuis le logiciel du scanner, puis joignez-le."
)
JBIG2 = (
    "Ce PDF contient des images compressées en JBIG2, un format refusé pour des raisons de "
    "sécurité : numérisez de nouveau la délibération en JPEG (ou « couleur » / « niveaux de "
    "gris »), puis joignez-la."
)


def too_many_pages(root):
    """The refusal of a page tree with more than ``MAX_PAGES`` pages, which says how many
    it declares when that is believable."""
    declared = root.get("/Count")
    count = declared if isinstance(declared, int) and declared > MAX_PAGES else None
    return ValidationError(
        f"Ce PDF a {count or f'plus de {MAX_PAGES}'} pages : une délibération scannée en a "
        f"{MAX_PAGES} au plus.",
        code="too_many_pages",
    )


def count_pages(data):
    """The number of pages of the PDF ``data``, read through its page tree; the file is
    refused (``ValidationError`` in French) unless every stream passes ``check_stream`` and
    every page ``check_page``, so that a damaged or hostile file is refused now, not when it
    is printed."""
    if not data.startswith(b"%PDF-"):
        raise ValidationError(NOT_A_PDF, code="not_pdf")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False, decode_limits=DECODE_LIMITS)
        if reader.encrypted:
            raise ValidationError(ENCRYPTED, code="encrypted")
        pages = page_list(reader)
        for stream in stream_objects(reader):
            check_stream(stream)
        for page in pages:
            check_page(page)
    except ValidationError:
        raise
    except PdfDecodeLimitError:
        raise ValidationError(BOMB, code="bomb") from None
    except PDF_READ_ERRORS:
        raise ValidationError(BROKEN, code="broken") from None
    if not pages:
        raise ValidationError(BROKEN, code="broken")
    return len(pages)


def page_list(reader):
    """The pages of ``reader``'s page tree, without decoding anything; refused as soon as
    there are more than ``MAX_PAGES``."""
    root = reader.root["/Pages"]
    pages, seen, nodes = [], set(), [root]
    while nodes:
        node = nodes.pop()
        if "/Kids" not in node:
            pages.append(node)
            if len(pages) > MAX_PAGES:
                raise too_many_pages(root)
            continue
        for kid in node.raw_get("/Kids"):
            key = kid.reference if isinstance(kid, generic.IndirectObject) else id(kid)
            if key in seen:
                raise ValueError("page tree loops")
            if len(seen) > 10 * MAX_PAGES:
                raise too_many_pages(root)
            seen.add(key)
            nodes.append(kid.get_object())
    return pages


def stream_objects(reader):
    """Every stream of the file, reachable or not, in every revision."""
    refs = set()
    for revision in range(reader.xrefs.total_revisions):
        refs |= reader.xrefs.explicit_refs_in_revision(revision)
    for ref in sorted(refs, key=lambda ref: (ref.idnum, ref.generation)):
        obj = reader.get_object(ref)
        if isinstance(obj, generic.StreamObject):
            yield obj


def check_stream(stream):
    """Refuse JBIG2 and oversized images; decode any other stream under the limits."""
    filters = resolved(stream, "/Filter", generic.ArrayObject())
    filters = filters if isinstance(filters, generic.ArrayObject) else [filters]
    if "/JBIG2Decode" in [name.get_object() for name in filters]:
        raise ValidationError(JBIG2, code="jbig2")
    if resolved(stream, "/Subtype", "") == "/Image":
        width, height = int(stream["/Width"]), int(stream["/Height"])
        if width * height > MAX_IMAGE_PIXELS:
            raise ValidationError(
                f"Ce PDF contient une image de {width} × {height} pixels : une page scannée "
                f"en a {MAX_IMAGE_PIXELS // 1_000_000} millions au plus (une page A4 à "
                "600 dpi en a 35 millions). Numérisez-la de nouveau à 300 dpi.",
                code="image_too_large",
            )
        return
    stream.data  # noqa: B018  (decoded under DECODE_LIMITS: fails if damaged or a bomb)


def resolved(dictionary, key, default=None):
    """``dictionary[key]``, its indirect references followed; ``default`` (an empty
    dictionary if not given) when it has none."""
    if not isinstance(dictionary, generic.DictionaryObject) or key not in dictionary:
        return generic.DictionaryObject() if default is None else default
    return dictionary[key]


def check_page(page):
    """Refuse a page whose drawing instructions (its content streams and the forms of its
    resources) take more than ``MAX_CONTENT_BYTES`` once decoded."""
    contents = resolved(page, "/Contents")
    streams = list(contents) if isinstance(contents, generic.ArrayObject) else [contents]
    xobjects = resolved(resolved(page, "/Resources"), "/XObject")
    streams += [xobjects[name] for name in xobjects]
    streams = [stream.get_object() for stream in streams if stream is not None]
    size = sum(
        len(stream.data)
        for stream in streams
        if isinstance(stream, generic.StreamObject) and resolved(stream, "/Subtype", "") != "/Image"
    )
    if size > MAX_CONTENT_BYTES:
        raise ValidationError(
            f"Une page de ce PDF contient {megabytes(size)} d'instructions de dessin : une "
            f"page scannée en a {megabytes(MAX_CONTENT_BYTES)} au plus. Numérisez de nouveau "
            "la délibération (une image par page), puis joignez-la.",
            code="too_much_drawing",
        )


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
    """The pages of the PDF ``data`` as JPEG images, in order (poppler's pdftoppm, under
    ``CTG_SCAN_RASTER_TIMEOUT`` and ``CTG_SCAN_RASTER_MEMORY_MB``). A scan that failed is
    remembered for ``CTG_SCAN_RASTER_RETRY_AFTER`` seconds and fails again at once."""
    failed_key = f"ctg-scan-raster-failed:{hashlib.sha256(data).hexdigest()}"
    if (message := cache.get(failed_key)) is not None:
        raise ScanError(message)
    try:
        return rasterize(data)
    except RasterFailed as error:
        cache.set(failed_key, str(error), settings.CTG_SCAN_RASTER_RETRY_AFTER)
        raise ScanError(str(error)) from error


class RasterFailed(Exception):
    """pdftoppm failed on this scan, or took too long (its message in French)."""


def rasterize(data):
    """pdftoppm's JPEG images of the pages of ``data``, under the limits of the settings."""
    timeout = settings.CTG_SCAN_RASTER_TIMEOUT
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
            subprocess.run(
                command,
                check=True,
                capture_output=True,
                timeout=timeout,
                preexec_fn=functools.partial(limit_memory, settings.CTG_SCAN_RASTER_MEMORY_MB),
            )
        except FileNotFoundError as error:
            raise ScanError(
                "pdftoppm (paquet poppler-utils) manque sur le serveur : les délibérations "
                "scannées ne peuvent pas être imprimées."
            ) from error
        except subprocess.TimeoutExpired as error:
            raise RasterFailed(
                f"Une délibération scannée n'a pas pu être imprimée en moins de {timeout} s : "
                "numérisez-la de nouveau (une image par page), puis joignez-la."
            ) from error
        except subprocess.CalledProcessError as error:
            raise RasterFailed(
                "Une délibération scannée n'a pas pu être imprimée (fichier illisible, ou "
                f"plus de {settings.CTG_SCAN_RASTER_MEMORY_MB} Mo de mémoire demandés) : "
                "numérisez-la de nouveau, puis joignez-la."
            ) from error
        # page-1.jpg... or page-01.jpg...: the same width for every page of one file.
        return [path.read_bytes() for path in sorted(Path(folder).glob("page-*.jpg"))]


def limit_memory(megabytes):
    """In pdftoppm's process, before it starts: its address space is bounded."""
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
