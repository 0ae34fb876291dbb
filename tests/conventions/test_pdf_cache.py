"""The convention's PDF is rendered once per content: the cache of conventions.documents.

Conventions made by the factories render in a fraction of a second; the renderer is
replaced by a counting wrapper to see whether WeasyPrint ran.
"""

import os
import re
import subprocess

import pytest
from django.urls import reverse

from conventions import documents
from conventions.models import Article, Convention, Membership
from tests.factories import ArticleFactory, ConventionFactory, MembershipFactory, PartyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """An empty cache for each test."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def renders(monkeypatch):
    """The calls to WeasyPrint's layout, counted."""
    calls = []
    render = documents.layout

    def counting(**kwargs):
        calls.append(kwargs["html"])
        return render(**kwargs)

    monkeypatch.setattr(documents, "layout", counting)
    return calls


@pytest.fixture
def convention():
    convention = ConventionFactory(short_title="CTG en cache")
    PartyFactory(convention=convention)
    ArticleFactory(convention=convention, number=1, title="Objet")
    return convention


def test_unchanged_content_is_rendered_once(convention, renders):
    first = documents.render_pdf(convention=convention)
    second = documents.render_pdf(convention=convention)

    assert len(renders) == 1
    assert second == first and first.startswith(b"%PDF")


def test_changed_content_is_rendered_again(convention, renders):
    before = documents.render_pdf(convention=convention)
    Article.objects.filter(convention=convention).update(title="Objet modifié")

    after = documents.render_pdf(convention=Convention.objects.get(pk=convention.pk))

    assert len(renders) == 2
    assert after != before
    assert documents.cache_key(renders[0]) != documents.cache_key(renders[1])


def test_without_cache_it_renders_and_stores_nothing(convention, renders, settings):
    documents.render_pdf(convention=convention, cache=False)
    documents.render_pdf(convention=convention, cache=False)

    assert len(renders) == 2
    assert not (settings.MEDIA_ROOT / "cache").exists()


def test_freezing_finds_the_rendering_of_a_download_with_its_boxes(convention, renders):
    downloaded = documents.render_pdf(convention=convention)

    frozen, boxes = documents.render_pdf_with_boxes(convention=convention)

    assert frozen == downloaded and len(renders) == 1
    fresh = documents.render_pdf_with_boxes(convention=convention, cache=False)[1]
    assert boxes and boxes == fresh
    assert documents.render_pdf_with_boxes(convention=convention, prefix="zz-")[1] == {}


def test_a_pdf_kept_without_its_boxes_is_rendered_again(convention, renders, settings):
    documents.render_pdf(convention=convention)
    for boxes in (settings.MEDIA_ROOT / "cache" / "documents").glob("*.json"):
        boxes.unlink()

    documents.render_pdf_with_boxes(convention=convention)

    assert len(renders) == 2


def test_the_key_covers_the_stylesheet_and_the_renderer(monkeypatch):
    html = "<p>x</p>"
    key = documents.cache_key(html)

    assert documents.cache_key(html + " ") != key
    monkeypatch.setattr(documents, "STYLESHEET", "ctg/ctg.css")
    assert documents.cache_key(html) != key
    monkeypatch.undo()
    monkeypatch.setattr(documents, "RENDERER_VERSION", "autre")
    assert documents.cache_key(html) != key
    monkeypatch.undo()
    monkeypatch.setattr(documents, "PDF_OPTIONS", {"pdf_variant": "pdf/ua-1"})
    assert documents.cache_key(html) != key


def test_the_creation_date_is_set_on_the_pdf_not_in_the_html(convention, tmp_path):
    html = documents.render_html(convention=convention)
    path = tmp_path / "c.pdf"
    path.write_bytes(documents.render_pdf(convention=convention))

    assert "dcterms.created" not in html
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert re.search(r"^CreationDate:\s+\S", info, re.M)


def keys(*names):
    return [name * 64 for name in names]


def test_the_cache_keeps_the_most_recently_used_files(tmp_path):
    cache = documents.PdfCache(tmp_path, max_files=3)
    a, b, c, d, e = keys("a", "b", "c", "d", "e")
    for age, key in enumerate([a, b, c]):
        cache.set(key, b"%PDF " + key.encode())
        os.utime(cache.path(key), (1000 + age, 1000 + age))
    assert cache.get(a) == b"%PDF " + a.encode()  # used again: now the most recent

    cache.set(d, b"%PDF d")
    cache.set(e, b"%PDF e")

    assert sorted(path.stem for path in tmp_path.glob("*.pdf")) == sorted([a, d, e])
    assert cache.get(b) is None and cache.get(c) is None


def test_the_cache_is_bounded_in_bytes(tmp_path):
    cache = documents.PdfCache(tmp_path, max_bytes=2500)
    for key in keys("1", "2", "3"):
        cache.set(key, b"x" * 1000)

    assert len(list(tmp_path.glob("*.pdf"))) == 2
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize("key", ["../" + "a" * 61, "A" * 64, "a" * 63, "g" * 64])
def test_the_cache_refuses_a_key_that_is_not_a_hash(tmp_path, key):
    with pytest.raises(ValueError):
        documents.PdfCache(tmp_path).path(key)


def test_second_download_comes_from_the_cache(client, convention, renders, django_user_model):
    user = django_user_model.objects.create_user("lectrice", password="secret-pass")
    organisation = convention.parties.get().organisation
    MembershipFactory(user=user, organisation=organisation, role=Membership.Role.READER)
    client.force_login(user)
    url = reverse("conventions:document-download", args=[convention.pk])

    first = client.get(url)
    second = client.get(url)

    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert len(renders) == 1


def test_a_cache_that_cannot_be_written_does_not_stop_the_download(convention, settings, caplog):
    settings.MEDIA_ROOT = settings.MEDIA_ROOT / "fichier"
    settings.MEDIA_ROOT.parent.mkdir(parents=True, exist_ok=True)
    settings.MEDIA_ROOT.write_bytes(b"")  # a file where the cache's folder would be

    assert documents.render_pdf(convention=convention).startswith(b"%PDF")
    assert "écriture impossible" in caplog.text
