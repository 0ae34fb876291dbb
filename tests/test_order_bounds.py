"""Orders and numbers users set (articles, parties, signatories, actions, members…) are
between 1 and 999: in the models, in the forms, and when an item is moved."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from actions.models import Field
from conventions.models import Article, ModelArticle
from conventions.parts import REGISTRY
from diagnostic.models import Section
from tests.factories import ArticleFactory, ConventionFactory, MembershipFactory, PartyFactory

pytestmark = pytest.mark.django_db

MESSAGE = "doit être compris entre 1 et 999"


def ordered_fields():
    for part in REGISTRY.values():
        if part.order_field:
            field = part.model._meta.get_field(part.order_field)
            yield pytest.param(field, id=f"{part.model.__name__}.{field.name}")
    yield pytest.param(ModelArticle._meta.get_field("number"), id="ModelArticle.number")
    yield pytest.param(Field._meta.get_field("order"), id="Field.order")


@pytest.mark.parametrize("field", list(ordered_fields()))
def test_every_order_users_set_is_between_1_and_999(field):
    for value in (0, 1000, 32767):
        with pytest.raises(ValidationError, match=MESSAGE):
            field.run_validators(value)
    field.run_validators(1)
    field.run_validators(999)
    form_field = field.formfield()
    assert (form_field.min_value, form_field.max_value) == (1, 999)
    assert (form_field.widget.attrs["min"], form_field.widget.attrs["max"]) == (1, 999)


def test_the_registry_has_the_parts_reported():
    names = {param.id for param in ordered_fields()}
    assert {"Party.order", "Signatory.order", "Article.number", "Action.order"} <= names


@pytest.fixture
def convention():
    return ConventionFactory()


@pytest.fixture
def editor(client, convention):
    membership = MembershipFactory()
    PartyFactory(convention=convention, organisation=membership.organisation, order=1)
    client.force_login(membership.user)
    return client


def add_article(client, convention, number):
    return client.post(
        reverse("conventions:part-add", args=[convention.pk, "article"]),
        {"number": number, "title": "Objet", "body": ""},
    )


@pytest.mark.parametrize("number", ["0", "1000", "32767", "99999999999999999999", "-1"])
def test_an_article_numbered_out_of_bounds_is_refused_at_the_field(editor, convention, number):
    response = add_article(editor, convention, number)
    assert response.status_code == 422
    assert not convention.articles.exists()


def test_the_form_says_the_bounds_and_the_input_carries_them(editor, convention):
    response = add_article(editor, convention, "1000")
    page = response.content.decode()
    assert "inférieure ou égale à 999" in page
    assert 'max="999"' in page and 'min="1"' in page


def test_an_article_added_last_after_999_is_refused(editor, convention):
    ArticleFactory(convention=convention, number=999)
    response = add_article(editor, convention, "")
    assert response.status_code == 422
    assert MESSAGE in response.content.decode()
    assert list(convention.articles.values_list("number", flat=True)) == [999]


def test_moving_the_last_article_stays_within_the_bounds(editor, convention):
    before = ArticleFactory(convention=convention, number=998, title="Avant")
    last = ArticleFactory(convention=convention, number=999, title="Dernier")
    response = editor.post(
        reverse("conventions:part-move", args=[convention.pk, "article", last.pk, "up"])
    )
    assert response.status_code == 302
    numbers = dict(convention.articles.values_list("title", "number"))
    assert numbers == {"Dernier": 998, "Avant": 999}
    recorded = set(Article.history.filter(convention=convention).values_list("number", flat=True))
    assert recorded == {998, 999}  # no passing value beyond the bound in any version
    assert before.history.count() == last.history.count() == 2


def test_a_section_added_last_after_999_is_refused(editor, convention):
    Section.objects.create(convention=convention, key="derniere", order=999, title="Dernière")
    response = editor.post(
        reverse("conventions:part-add", args=[convention.pk, "section"]),
        {"title": "Nouvelle", "level": 2},
    )
    assert response.status_code == 422
    assert "déjà 999 éléments" in response.content.decode()
    sections = convention.diagnostic_sections
    assert list(sections.values_list("order", flat=True)) == [999]
    sections.update(order=998)
    response = editor.post(
        reverse("conventions:part-add", args=[convention.pk, "section"]),
        {"title": "Nouvelle", "level": 2},
    )
    assert response.status_code == 302
    assert list(sections.values_list("order", flat=True)) == [998, 999]
