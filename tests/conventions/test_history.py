import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_history_shows_who_changed_what(client, demo):
    client.login(username="epci-jura-nord", password="demo-ctg")
    article = demo.articles.get(number=8)
    edit = reverse("conventions:part-edit", args=[demo.pk, "article", article.pk])
    client.post(edit, {"number": 8, "title": "Communication commune", "body": article.body})
    client.logout()
    client.login(username="lecteur-jura-nord", password="demo-ctg")
    url = reverse("conventions:part-history", args=[demo.pk, "article", article.pk])
    page = client.get(url).content.decode()
    assert "Camille Chargée de coopération (démo)" in page
    assert "<del>Communication</del>" in page and "<ins>Communication commune</ins>" in page
    assert "Création." in page


def test_every_row_links_to_its_history_even_for_readers(client, demo):
    client.login(username="lecteur-jura-nord", password="demo-ctg")
    page = client.get(reverse("conventions:convention-detail", args=[demo.pk])).content.decode()
    article = demo.articles.get(number=1)
    assert reverse("conventions:part-history", args=[demo.pk, "article", article.pk]) in page
