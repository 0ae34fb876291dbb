"""A convention ready for signature or signed cannot change through any path."""

import pytest
import tablib
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse

from actions.resources import ActionResource
from conventions.locking import ConventionLocked
from conventions.models import Amendment, Article, Convention
from conventions.resources import error_lines
from tests.factories import ActionFactory, ArticleFactory, ConventionFactory, FieldFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed():
    convention = ConventionFactory(short_title="CTG signée")
    ArticleFactory(convention=convention, number=1, title="Objet")
    ActionFactory(convention=convention, order=1, name="Action signée")
    FieldFactory(convention=convention, code="axe_propre", label="Axe propre")
    convention.status = Convention.Status.SIGNED
    convention.save()
    return convention


def test_saving_a_part_is_refused(signed):
    article = signed.articles.get()
    article.title = "Changé"
    with pytest.raises(ConventionLocked, match="sauf par un avenant"):
        article.save()
    assert Article.objects.get(pk=article.pk).title == "Objet"


def test_adding_and_deleting_parts_is_refused(signed):
    with pytest.raises(ConventionLocked):
        Article.objects.create(convention=signed, number=2, title="Nouveau")
    with pytest.raises(ConventionLocked), transaction.atomic():
        signed.articles.get().delete()
    assert signed.articles.count() == 1


def test_bulk_operations_are_refused(signed):
    with pytest.raises(ConventionLocked):
        signed.articles.update(title="Changé")
    with pytest.raises(ConventionLocked):
        Article.objects.bulk_create([Article(convention=signed, number=3, title="X")])
    with pytest.raises(ConventionLocked):
        Article.objects.filter(convention=signed).delete()
    assert list(signed.articles.values_list("title", flat=True)) == ["Objet"]


def test_the_conventions_own_fields_are_locked_and_the_national_ones_are_not(signed):
    own = signed.own_fields.get()
    national = FieldFactory(code="jeunesse", label="Jeunesse")
    own.label = "Axe renommé"
    with pytest.raises(ConventionLocked), transaction.atomic():
        own.save()
    with pytest.raises(ConventionLocked), transaction.atomic():
        signed.own_fields.update(label="Axe renommé")
    with pytest.raises(ConventionLocked), transaction.atomic():
        own.delete()
    national.label = "Jeunesse et parentalité"
    national.save()
    assert signed.own_fields.get().label == "Axe propre"


def test_nested_parts_are_refused(signed):
    action = signed.actions.get()
    with pytest.raises(ConventionLocked):
        action.followup_indicators.create(order=1, label="Indicateur")


def test_convention_content_is_refused_but_its_life_goes_on(signed):
    signed.title = "Autre titre"
    with pytest.raises(ConventionLocked):
        signed.save()
    signed.refresh_from_db()
    signed.status = Convention.Status.IN_FORCE
    signed.save()
    assert Convention.objects.get(pk=signed.pk).status == Convention.Status.IN_FORCE


def test_a_locked_convention_cannot_be_deleted(signed):
    with pytest.raises(ConventionLocked), transaction.atomic():
        signed.delete()
    assert Convention.objects.filter(pk=signed.pk).exists()


def test_amendments_remain_possible(signed):
    Amendment.objects.create(convention=signed, number=1, title="Avenant n° 1")
    assert signed.amendments.count() == 1


def test_admin_change_is_refused(admin_client, signed):
    article = signed.articles.get()
    url = reverse("admin:conventions_article_change", args=[article.pk])
    data = {"convention": signed.pk, "number": 1, "title": "Changé", "body": ""}
    response = admin_client.post(url, data)
    assert response.status_code == 403
    assert Article.objects.get(pk=article.pk).title == "Objet"


def test_import_into_a_locked_convention_writes_nothing(signed):
    FieldFactory()
    dataset = tablib.Dataset(headers=["convention", "field", "order", "name"])
    dataset.append([signed.short_title, "petite_enfance", 2, "Action importée"])
    result = ActionResource().import_file(dataset)
    assert result.has_errors() or result.has_validation_errors()
    assert any("sauf par un avenant" in line for line in error_lines(result))
    assert signed.actions.count() == 1


def test_management_command_reset_refuses_a_locked_demo_convention(demo):
    Convention.objects.filter(pk=demo.pk).update(status=Convention.Status.SIGNED)
    with pytest.raises(CommandError, match="sauf par un avenant"):
        call_command("load_demo", "--reset")
    assert Convention.objects.get(pk=demo.pk).articles.count() == 12
