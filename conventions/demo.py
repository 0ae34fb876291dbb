"""Load the demo data of ``fixtures/<folder>/`` into the database.

Each app has a ``demo.load(folder, context)`` function; ``load_demo`` calls them in the
order of INSTALLED_APPS, passing a shared ``context`` (organisations and convention by
key). Reference data is upserted every time; a convention that already exists is left
as it is, unless the context says ``reset``.
"""

from pathlib import Path

import yaml

from .models import (
    Annex,
    Article,
    Attendance,
    Convention,
    ConventionModel,
    Deliberation,
    ModelArticle,
    Organisation,
    Party,
    Person,
    Signatory,
    Territory,
    Visa,
)

KIND_ORDER = {"region": 0, "departement": 1, "epci": 2, "commune": 3}
# libyaml's parser when PyYAML was built with it (its wheels are): ten times faster.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(folder: Path, name: str):
    path = folder / name
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as stream:
        return yaml.load(stream, Loader=YAML_LOADER) or {}


def upsert(model_class, /, *, defaults, **lookup):
    """get_or_create, then save only what changed (so that history stays quiet)."""
    instance, created = model_class.objects.get_or_create(**lookup, defaults=defaults)
    changed = [name for name, value in defaults.items() if getattr(instance, name) != value]
    if changed and not created:
        for name in changed:
            setattr(instance, name, defaults[name])
        instance.save(update_fields=changed)
    return instance


def load(folder, context):
    data = read_yaml(folder, "convention.yaml")
    if not data:
        return
    territories = load_territories(data.get("territories", []))
    organisations = context.setdefault("organisations", {})
    for item in data.get("organisations", []):
        organisations[item["key"]] = load_organisation(item, territories)
    people = {item["key"]: load_person(item, organisations) for item in data.get("people", [])}
    if "convention_model" in data:
        load_model(data["convention_model"], organisations)

    spec = data["convention"]
    existing = Convention.objects.filter(short_title=spec["short_title"]).first()
    context["is_new"] = existing is None or context.get("reset", False)
    if not context["is_new"]:
        context["convention"] = existing
        return
    if existing:
        if existing.is_demo:
            # An invented convention ends signed, so locked (its deletion refused):
            # discarding it (--reset) takes it back to a draft first. A real one, once
            # locked, is refused (conventions/locking.py).
            Convention.objects.filter(pk=existing.pk).update(status=Convention.Status.DRAFT)
            existing.refresh_from_db()
        existing.delete()
    convention = create_convention(spec, organisations, territories, people)
    load_deliberations(convention, data.get("deliberations", []), organisations, territories)
    context["convention"] = convention
    if "life" in spec:
        # Once every app has loaded its parts (load_demo runs "after_load" last).
        context.setdefault("after_load", []).append(lambda: live(convention, spec["life"]))


def load_territories(items):
    territories = {}
    for item in sorted(items, key=lambda item: KIND_ORDER[item["kind"]]):
        department = item.get("department")
        territories[item["code"]] = upsert(
            Territory,
            code=item["code"],
            defaults={
                "kind": item["kind"],
                "name": item["name"],
                "short_name": item.get("short_name", ""),
                "area_ha": item.get("area_ha"),
                "created_on": item.get("created"),
                "department": territories.get(department) if department else None,
            },
        )
    members = {}
    for item in items:
        if item.get("epci"):
            members.setdefault(item["epci"], set()).add(territories[item["code"]])
    for code, communes in members.items():
        epci = territories[code]
        epci.communes.add(*(communes - set(epci.communes.all())))
    return territories


def load_organisation(item, territories):
    return upsert(
        Organisation,
        name=item["name"],
        defaults={
            "kind": item["kind"],
            "short_name": item.get("short_name", ""),
            "generic_name": item.get("generic_name", ""),
            "siren": item.get("siren", ""),
            "address": item.get("address", ""),
            "territory": territories.get(item.get("territory")),
            "deciding_body": item.get("deciding_body", ""),
        },
    )


def load_person(item, organisations):
    return upsert(
        Person,
        organisation=organisations[item["organisation"]],
        first_name=item["first_name"],
        last_name=item["last_name"],
        capacity=item.get("capacity", ""),
        defaults={"civility": item["civility"]},
    )


def load_model(item, organisations):
    model = upsert(
        ConventionModel,
        name=item["name"],
        defaults={
            "organisation": organisations[item["organisation"]],
            "title": item["title"],
            "visas": "\n".join(item.get("visas", [])),
            "preamble": item.get("preamble", ""),
            "closing_text": item["closing_text"],
            "annexes": "\n".join(annex["title"] for annex in item.get("annexes", [])),
        },
    )
    for article in item.get("articles", []):
        upsert(
            ModelArticle,
            model=model,
            number=article["number"],
            defaults={"title": article["title"], "body": article["body"]},
        )
    return model


def create_convention(spec, organisations, territories, people):
    if "from_model" in spec:
        return create_from_model(spec, organisations, people)
    signature = spec.get("signature", {})
    pages = source_pages(spec.get("sommaire", []))
    convention = Convention.objects.create(
        title=spec["title"],
        short_title=spec["short_title"],
        territory=territories[spec["territory"]],
        start_date=spec["start"],
        end_date=spec["end"],
        status=spec["status"],
        preamble=spec.get("preamble", ""),
        preamble_source_page=pages.get("preamble"),
        closing_text=spec["closing_text"],
        signature_place=signature.get("place", ""),
        signature_date=signature.get("date"),
        copies=signature.get("copies"),
        initialled_pages=signature.get("initialled_pages"),
        is_demo=spec.get("is_demo", False),
    )
    for item in spec["parties"]:
        party = Party.objects.create(
            convention=convention,
            organisation=organisations[item["organisation"]],
            order=item["order"],
            wording=item["wording"],
            designation=item["designation"],
            designation_gender="m" if item.get("designation_verb") == "dénommé" else "f",
        )
        for signatory in item.get("signatories", []):
            Signatory.objects.create(
                party=party,
                person=people[signatory["person"]],
                capacity=signatory["capacity"],
                order=signatory["order"],
            )
    Visa.objects.bulk_create(
        Visa(convention=convention, order=order, text=text)
        for order, text in enumerate(spec.get("visas", []), start=1)
    )
    Article.objects.bulk_create(
        Article(
            convention=convention,
            number=a["number"],
            title=a["title"],
            body=a["body"],
            source_page=pages.get(("article", a["number"])),
        )
        for a in spec.get("articles", [])
    )
    Annex.objects.bulk_create(
        Annex(
            convention=convention,
            number=a["number"],
            title=a["title"],
            source_page=pages.get(("annex", a["number"])),
        )
        for a in spec.get("annexes", [])
    )
    return convention


def create_from_model(spec, organisations, people):
    model = ConventionModel.objects.get(name=spec["from_model"])
    convention = model.create_convention(
        partner=organisations[spec["partner"]],
        start_date=spec["start"],
        end_date=spec["end"],
        short_title=spec["short_title"],
    )
    convention.status = spec.get("status", Convention.Status.DRAFT)
    convention.is_demo = spec.get("is_demo", False)
    convention.signature_place = spec.get("signature_place", "")
    convention.save()
    for item in spec.get("signatories", []):
        Signatory.objects.create(
            party=convention.parties.get(organisation=organisations[item["party"]]),
            person=people[item["person"]],
            capacity=item["capacity"],
            order=item["order"],
        )
    return convention


def live(convention, life):
    """Take a demo convention through its life with the workflow itself: validated by the
    COPIL, voted, then, with ``signed``, frozen and signed by each signatory (their keys
    from the test authority, created under MEDIA_ROOT when no keys folder is configured).
    Without a key for every signatory, it stays voted."""
    from io import StringIO

    from django.core.management import call_command

    from . import signing
    from .workflow import take_step

    note = "Données de démonstration"
    Status = Convention.Status
    take_step(convention, Status.VALIDATED, user=None, on=life["validated_on"], note=note)
    take_step(convention, Status.VOTED, user=None, note=note)
    if not life.get("signed"):
        return
    if signing.uses_test_keys():
        call_command("create_test_ca", "-o", str(signing.local_keys_dir()), stdout=StringIO())
    signatories = Signatory.objects.filter(party__convention=convention).select_related(
        "person__organisation"
    )
    if not all(signing.has_key(signatory.person) for signatory in signatories):
        return
    take_step(convention, Status.READY, user=None, note=note)
    for signature in signing.signatures_of(convention.frozen_document):
        signing.sign(signature=signature, user=None, by_system=True)


def source_pages(sommaire):
    """Map the printed sommaire to pages: 'preamble', ('article', n), ('annex', n)."""
    pages = {}
    for entry in sommaire:
        head = entry["label"].split(":")[0].strip()
        if head.startswith("Article préliminaire"):
            pages["preamble"] = entry["page"]
        elif head.startswith("Article "):
            pages[("article", int(head.split()[1]))] = entry["page"]
        elif head.startswith("Annexe "):
            pages[("annex", int(head.split()[1]))] = entry["page"]
    return pages


DELIBERATION_FIELDS = [
    field.name
    for field in Deliberation._meta.concrete_fields
    if field.name not in {"id", "convention", "party", "annex"}
]


def load_deliberations(convention, items, organisations, territories):
    communes = {t.name: t for t in territories.values() if t.kind == Territory.Kind.COMMUNE}
    for item in items:
        deliberation = Deliberation(
            convention=convention,
            party=convention.parties.get(organisation=organisations[item["party"]]),
            annex=convention.annexes.filter(number=item.get("annex")).first(),
            **{name: item[name] for name in DELIBERATION_FIELDS if name in item},
        )
        if isinstance(item.get("decisions"), list):
            deliberation.decisions = "\n".join(item["decisions"])
        deliberation.full_clean()
        deliberation.save()
        by_name = {}
        for order, entry in enumerate(item.get("attendance", []), start=1):
            by_name[entry["name"]] = Attendance.objects.create(
                deliberation=deliberation,
                order=order,
                name=entry["name"],
                commune=communes.get(entry.get("commune")),
                status=entry["status"],
            )
        for proxy in item.get("proxies_list", []):
            giver = by_name[proxy["mandant"]]
            giver.proxy_holder = by_name[proxy["mandataire"]]
            giver.full_clean()
            giver.save()
