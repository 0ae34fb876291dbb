"""factory_boy factories, with traits named after business states."""

import datetime

import factory

from actions.models import Action, Field
from conventions.models import (
    Article,
    Convention,
    Deliberation,
    Membership,
    Organisation,
    Party,
    Person,
    Territory,
)
from diagnostic.models import Indicator, Observation


class TerritoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Territory

    kind = Territory.Kind.EPCI
    code = factory.Sequence(lambda n: f"2000{n:05d}")
    name = factory.Sequence(lambda n: f"Communauté de communes n° {n}")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = Organisation.Kind.EPCI
    name = factory.Sequence(lambda n: f"Organisation {n}")
    territory = factory.SubFactory(TerritoryFactory)
    deciding_body = "Conseil communautaire"

    class Params:
        caf = factory.Trait(kind=Organisation.Kind.CAF, deciding_body="Conseil d'administration")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    civility = Person.Civility.MRS
    first_name = "Anne"
    last_name = factory.Sequence(lambda n: f"NOM{n}")
    organisation = factory.SubFactory(OrganisationFactory)


class ConventionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Convention

    short_title = factory.Sequence(lambda n: f"CTG n° {n}")
    territory = factory.SubFactory(TerritoryFactory)
    start_date = datetime.date(2024, 1, 1)
    end_date = datetime.date(2028, 12, 31)

    class Params:
        signed = factory.Trait(status=Convention.Status.SIGNED)
        in_force = factory.Trait(status=Convention.Status.IN_FORCE)


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party

    convention = factory.SubFactory(ConventionFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    order = factory.Sequence(lambda n: n + 1)
    wording = factory.LazyAttribute(lambda party: party.organisation.name)
    designation = "la partie"


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    convention = factory.SubFactory(ConventionFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = "Objet"
    body = "Texte."


class DeliberationFactory(factory.django.DjangoModelFactory):
    """A deliberation with the seed's counts: 44 in office, 31 + 4 + 9, 4 proxies, 39 for."""

    class Meta:
        model = Deliberation

    party = factory.SubFactory(PartyFactory)
    convention = factory.SelfAttribute("party.convention")
    body = "Conseil communautaire"
    session_date = datetime.date(2019, 12, 18)
    members_in_office = 44
    present = 31
    substitutes_voting = 4
    excused = 9
    absent_unexcused = 0
    substitutes_non_voting = 0
    proxies = 4
    votes_for = 39
    votes_against = 0
    abstentions = 0


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory("tests.factories.UserFactory")
    organisation = factory.SubFactory(OrganisationFactory)
    role = Membership.Role.EDITOR

    class Params:
        reader = factory.Trait(role=Membership.Role.READER)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "auth.User"
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")


class FieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Field
        django_get_or_create = ("code", "convention")

    code = "petite_enfance"
    label = "Petite enfance"
    convention = None


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action

    convention = factory.SubFactory(ConventionFactory)
    field = factory.SubFactory(FieldFactory)
    order = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Action {n}")


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator
        django_get_or_create = ("code",)

    code = "pop_total"
    label = "Population"
    unit = Indicator.Unit.COUNT
    source = Indicator.Source.INSEE
    theme = Indicator.Theme.POPULATION


class ObservationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Observation

    indicator = factory.SubFactory(IndicatorFactory)
    territory = factory.SubFactory(TerritoryFactory)
    year = 2016
    value = 100
