import pytest
from django.urls import reverse

from conventions.templatetags.ctg_text import rich


def test_paragraphs_lists_and_emphasis():
    text = "Elle a pour objet :\n- d'identifier\n  - sous-point\n- de **définir**\n\nFin *ici*."
    assert rich(text) == (
        "<p>Elle a pour objet :</p>"
        "<ul><li>d&#x27;identifier<ul><li>sous-point</li></ul></li>"
        "<li>de <strong>définir</strong></li></ul>"
        "<p>Fin <em>ici</em>.</p>"
    )


def test_user_html_is_escaped():
    html = rich('<img src="file:///etc/passwd"> **<script>alert(1)</script>**')
    assert "<img" not in html and "<script>" not in html
    assert "&lt;script&gt;" in html


def test_lone_asterisks_stay_text():
    assert rich("3 * 4 * 5") == "<p>3 * 4 * 5</p>"


@pytest.mark.django_db
def test_structure_still_used_cannot_be_deleted(client, demo):
    client.login(username="epci-jura-nord", password="demo-ctg")
    ram = demo.structures.get(key="ram-jura-nord")
    url = reverse("conventions:part-delete", args=[demo.pk, "structure", ram.pk])
    response = client.post(url)
    assert response.status_code == 409
    assert "encore utilisé(e)" in response.content.decode()
    assert demo.structures.filter(pk=ram.pk).exists()


@pytest.mark.django_db
def test_refused_deletion_with_htmx_shows_the_message(client, demo):
    client.login(username="epci-jura-nord", password="demo-ctg")
    ram = demo.structures.get(key="ram-jura-nord")
    url = reverse("conventions:part-delete", args=[demo.pk, "structure", ram.pk])
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#messages"
    assert "RAM Jura Nord" in response.content.decode()
