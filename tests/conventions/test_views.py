import datetime

import pytest
from django.core import mail
from django.urls import reverse

from conventions.models import Article, Convention, Deliberation, Membership, Territory
from tests.factories import (
    ArticleFactory,
    ConventionFactory,
    MembershipFactory,
    OrganisationFactory,
    PartyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def login(client, username):
    assert client.login(username=username, password="demo-ctg")
    return client


@pytest.fixture
def editor(client, demo):
    return login(client, "epci-jura-nord")


@pytest.fixture
def reader(client, demo):
    return login(client, "lecteur-jura-nord")


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("conventions:portfolio"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_portfolio_lists_the_users_conventions(editor, demo):
    response = editor.get(reverse("conventions:portfolio"))
    assert response.status_code == 200
    assert demo.short_title in response.content.decode()
    assert "CTG des Coteaux" not in response.content.decode()


def test_caf_user_sees_all_conventions_of_the_caf(client, demo):
    response = login(client, "caf-jura").get(reverse("conventions:portfolio"))
    page = response.content.decode()
    assert demo.short_title in page and "CTG des Coteaux" in page
    assert "Nouvelle convention" in page


def test_portfolio_filters_by_status_and_search(client, demo):
    login(client, "caf-jura")
    page = client.get(reverse("conventions:portfolio"), {"status": "signed", "q": "Coteaux"})
    titles = [c.short_title for c in page.context["conventions"]]
    assert titles == ["CTG des Coteaux 2024-2028 (fictive)"]
    page = client.get(reverse("conventions:portfolio"), {"year": 2020})
    assert [c.short_title for c in page.context["conventions"]] == [demo.short_title]


def test_portfolio_counts_late_actions_and_puts_them_first(client, demo):
    login(client, "caf-jura")
    conventions = client.get(reverse("conventions:portfolio")).context["conventions"]
    jura_nord = conventions[0]
    assert jura_nord == demo  # its 2019-2023 deadlines are past: late actions first
    assert jura_nord.actions_late == jura_nord.actions.filter(deadline_date__isnull=False).count()
    assert jura_nord.actions_total == 19


def test_portfolio_query_count_does_not_grow_with_conventions(
    client, django_assert_max_num_queries
):
    caf = OrganisationFactory(caf=True)
    user = MembershipFactory(organisation=caf).user
    client.force_login(user)
    for _ in range(30):
        convention = ConventionFactory()
        PartyFactory(convention=convention, organisation=caf, order=1)
        PartyFactory(convention=convention, order=2)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("conventions:portfolio"))
    assert len(response.context["conventions"]) == 30


def test_convention_tab_works_for_a_reader(reader, demo):
    response = reader.get(reverse("conventions:convention-detail", args=[demo.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Article 12 : Confidentialité" in page
    assert "DCC2019_12_162" in page and "atteint" in page
    assert "Modifier" not in page and "Ajouter" not in page
    assert "Lecture seule" in page


def test_outsider_gets_404(client, demo):
    login(client, "epci-coteaux")
    for name in ["convention-detail", "convention-edit", "convention-documents"]:
        assert client.get(reverse(f"conventions:{name}", args=[demo.pk])).status_code == 404


def test_reader_cannot_write(reader, demo):
    article = demo.articles.get(number=1)
    urls = [
        reverse("conventions:convention-edit", args=[demo.pk]),
        reverse("conventions:part-add", args=[demo.pk, "article"]),
        reverse("conventions:part-edit", args=[demo.pk, "article", article.pk]),
        reverse("conventions:part-delete", args=[demo.pk, "article", article.pk]),
        reverse("conventions:part-move", args=[demo.pk, "article", article.pk, "down"]),
    ]
    for url in urls:
        assert reader.post(url, {"title": "X", "body": "Y"}).status_code == 403, url
    assert demo.articles.count() == 12
    assert demo.articles.get(number=1).title == article.title


def test_signed_convention_refuses_changes(client):
    convention = ConventionFactory()
    party = PartyFactory(convention=convention)
    article = ArticleFactory(convention=convention, number=1, title="Objet")
    convention.status = Convention.Status.SIGNED
    convention.save()
    user = MembershipFactory(organisation=party.organisation).user
    client.force_login(user)
    url = reverse("conventions:part-edit", args=[convention.pk, "article", article.pk])
    response = client.post(url, {"number": 1, "title": "Changé", "body": ""})
    assert response.status_code == 403
    assert "avenant" in response.content.decode()
    assert Article.objects.get(pk=article.pk).title == "Objet"


def test_editor_adds_an_article_inline(editor, demo):
    url = reverse("conventions:part-add", args=[demo.pk, "article"])
    response = editor.post(url, {"number": "", "title": "Suivi annuel", "body": "Texte."}, **HTMX)
    assert response.status_code == 200
    assert "Article 13 : Suivi annuel" in response.content.decode()
    assert demo.articles.get(number=13).title == "Suivi annuel"


def test_duplicate_article_number_is_refused_at_the_field(editor, demo):
    url = reverse("conventions:part-add", args=[demo.pk, "article"])
    response = editor.post(url, {"number": "3", "title": "Mon titre", "body": "Mon texte"}, **HTMX)
    page = response.content.decode()
    assert response.status_code == 422
    assert "Le numéro 3 est déjà utilisé" in page
    assert 'aria-invalid="true"' in page
    assert "Mon titre" in page and "Mon texte" in page
    assert not demo.articles.filter(title="Mon titre").exists()


def test_move_swaps_articles(editor, demo):
    first = demo.articles.get(number=1)
    url = reverse("conventions:part-move", args=[demo.pk, "article", first.pk, "down"])
    assert editor.post(url).status_code == 302
    assert demo.articles.get(number=2).pk == first.pk
    assert demo.articles.get(number=1).title.startswith("Les champs d'intervention")


def test_delete_without_htmx_asks_for_confirmation(editor, demo):
    visa = demo.visas.first()
    url = reverse("conventions:part-delete", args=[demo.pk, "visa", visa.pk])
    assert "Supprimer" in editor.get(url).content.decode()
    assert demo.visas.filter(pk=visa.pk).exists()
    assert editor.post(url).status_code == 302
    assert not demo.visas.filter(pk=visa.pk).exists()


def test_convention_edit_refuses_end_before_start_and_keeps_input(editor, demo):
    url = reverse("conventions:convention-edit", args=[demo.pk])
    data = {
        "title": "Titre modifié",
        "short_title": demo.short_title,
        "start_date": "2019-01-01",
        "end_date": "2018-12-31",
        "closing_text": "Il est convenu et arrêté ce qui suit :",
    }
    response = editor.post(url, data)
    assert response.status_code == 422
    assert "La fin doit être postérieure au début." in response.content.decode()
    assert "Titre modifié" in response.content.decode()
    assert Convention.objects.get(pk=demo.pk).title != "Titre modifié"


def test_deliberation_votes_above_voters_are_refused(editor, demo):
    deliberation = demo.deliberations.get(number="DCC2019_12_162")
    url = reverse("conventions:part-edit", args=[demo.pk, "deliberation", deliberation.pk])
    form = editor.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(votes_for=40, party=deliberation.party_id)
    response = editor.post(url, data, **HTMX)
    assert response.status_code == 422
    assert "dépassent les votants possibles (39)" in response.content.decode()
    assert Deliberation.objects.get(pk=deliberation.pk).votes_for == 39


def test_negative_count_is_refused(editor, demo):
    deliberation = demo.deliberations.get(number="DCC2019_12_162")
    url = reverse("conventions:part-edit", args=[demo.pk, "deliberation", deliberation.pk])
    form = editor.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(present=-1, party=deliberation.party_id)
    response = editor.post(url, data, **HTMX)
    assert response.status_code == 422
    assert "supérieure ou égale à 0" in response.content.decode()


def test_convention_tab_query_budget_holds_with_many_articles(
    client, django_assert_max_num_queries
):
    convention = ConventionFactory()
    party = PartyFactory(convention=convention)
    client.force_login(MembershipFactory(organisation=party.organisation).user)
    for number in range(1, 41):
        ArticleFactory(convention=convention, number=number)
        convention.visas.create(order=number, text=f"Vu {number}")
    for order in range(2, 8):
        PartyFactory(convention=convention, order=order)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("conventions:convention-detail", args=[convention.pk]))
    assert response.content.decode().count(">Article 40 : Objet</h4>") == 1


def test_caf_creates_a_convention_from_its_model(client, demo):
    login(client, "caf-jura")
    partner = OrganisationFactory(
        name="Communauté de communes du Val (test)",
        territory=Territory.objects.get(code="FICT-CCC"),
    )
    model = demo.parties.get(order=1).organisation.convention_models.get()
    data = {
        "model": model.pk,
        "partner": partner.pk,
        "short_title": "CTG du Val 2025-2029",
        "start_date": "2025-01-01",
        "end_date": "2029-12-31",
    }
    response = client.post(reverse("conventions:convention-create"), data)
    created = Convention.objects.get(short_title="CTG du Val 2025-2029")
    assert response.url == reverse("conventions:convention-detail", args=[created.pk])
    assert created.articles.count() == 12
    assert created.start_date == datetime.date(2025, 1, 1)


def test_epci_user_cannot_create_conventions(editor):
    assert editor.get(reverse("conventions:convention-create")).status_code == 403


def test_new_convention_keeps_input_on_error(client, demo):
    login(client, "caf-jura")
    data = {"short_title": "Mon titre", "start_date": "2025-01-01", "end_date": "2024-01-01"}
    response = client.post(reverse("conventions:convention-create"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "La fin doit être postérieure au début." in page and "Mon titre" in page


def test_login_is_throttled_after_repeated_failures(client, demo, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post(reverse("login"), {"username": "epci-jura-nord", "password": "faux"})
    response = client.post(reverse("login"), {"username": "epci-jura-nord", "password": "demo-ctg"})
    assert "Trop de tentatives" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_then_logout(client, demo):
    response = client.post(reverse("login"), {"username": "caf-jura", "password": "demo-ctg"})
    assert response.url == reverse("conventions:portfolio")
    page = client.get(reverse("conventions:portfolio")).content.decode()
    assert "Caf du Jura · Rédacteur" in page
    client.post(reverse("logout"))
    assert client.get(reverse("conventions:portfolio")).status_code == 302


def test_password_reset_sends_an_email(client, demo):
    user = UserFactory(username="martine", email="martine@example.org")
    user.set_password("ancien-mot-de-passe")
    user.save()
    response = client.post(reverse("password_reset"), {"email": "martine@example.org"})
    assert response.url == reverse("password_reset_done")
    assert len(mail.outbox) == 1 and "martine" in mail.outbox[0].body


def test_help_page_explains_the_work(editor):
    page = editor.get(reverse("conventions:help")).content.decode()
    assert "Partager le diagnostic" in page and "avenant" in page


def test_every_page_says_who_and_where(reader, demo):
    page = reader.get(reverse("conventions:convention-documents", args=[demo.pk])).content.decode()
    assert 'aria-label="Fil d\'Ariane"' in page and "Documents" in page
    assert "Communauté de communes Jura Nord · Lecteur" in page or "CCJN · Lecteur" in page
    assert 'href="#contenu"' in page


def test_membership_roles_are_distinct():
    assert {Membership.Role.EDITOR, Membership.Role.READER} == {"editor", "reader"}
