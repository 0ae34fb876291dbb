"""The steps of a convention's life, each with the conditions it needs.

draft → validated (by the COPIL, date recorded) → voted (each party's deliberation)
→ ready for signature (the PDF is frozen: conventions.signing.freeze) → signed (every
signatory signed, or the copy signed by hand was uploaded: conventions.signing) → in force
→ expired, or terminated with three months' notice. A step refused says, in French, what
is missing.
"""

import calendar
import datetime
from dataclasses import dataclass

from django.db import transaction

from .models import Convention, Signatory, Signature, StatusChange

Status = Convention.Status
NOTICE_MONTHS = 3


def add_months(day, months):
    """The same day ``months`` later, or the month's last day (30 November + 3 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


class StepRefused(Exception):
    def __init__(self, missing):
        super().__init__(" ; ".join(missing))
        self.missing = missing


@dataclass(frozen=True)
class Step:
    target: str
    sources: tuple
    label: str
    date_label: str = ""

    def missing(self, convention, *, on=None, today=None):
        today = today or datetime.date.today()
        return CONDITIONS[self.target](convention, on=on, today=today)


def missing_for_validation(convention, *, on, today):
    missing = []
    if on is None:
        missing.append("la date de validation par le comité de pilotage")
    elif on > today:
        missing.append("une date de validation qui ne soit pas dans le futur")
    parties = list(convention.parties.all())  # prefetched with their signatories on the tab
    if len(parties) < 2:
        missing.append("au moins deux parties")
    missing += [f"un signataire pour {p.organisation}" for p in parties if not p.signatories.all()]
    if not convention.articles.all():
        missing.append("au moins un article")
    if not convention.actions.exists():
        missing.append("au moins une action au plan d'action")
    return missing


def missing_for_vote(convention, *, on, today):
    return missing_deliberations(
        convention.parties.all(), convention.deliberations.filter(amendment=None)
    )


def missing_deliberations(parties, deliberations):
    """Each party's deliberation recorded, with its quorum and a favourable majority."""
    missing = []
    deliberations = list(deliberations)
    for party in parties:
        voted = [d for d in deliberations if d.party_id == party.pk]
        if not voted:
            missing.append(f"la délibération de {party.organisation}")
        for deliberation in voted:
            if deliberation.quorum_reached is False:
                missing.append(f"le quorum de « {deliberation} »")
            if (deliberation.votes_for or 0) <= (deliberation.votes_against or 0) and (
                deliberation.votes_for is not None
            ):
                missing.append(f"une majorité favorable à « {deliberation} »")
    return missing


def missing_for_ready(convention, *, on, today):
    """Voted (the step's source) is enough: the step itself freezes the PDF (``freeze``)."""
    if not Signatory.objects.filter(party__convention=convention).exists():
        return ["au moins un signataire"]
    return []


def missing_for_signature(convention, *, on, today):
    """Every signatory signed electronically, or the copy signed by hand was uploaded."""
    if convention.reference_copies.exists():
        return []
    document = convention.frozen_document
    if document is None:
        return ["la convention figée en PDF"]
    unsigned = (
        document.signatures.exclude(status=Signature.Status.SIGNED)
        .select_related("signatory__person")
        .order_by("order")
    )
    return [
        f"la signature de {s.signatory.person} ({s.signatory.capacity})"
        + (" : refusée" if s.status == Signature.Status.DECLINED else "")
        for s in unsigned
    ]


def missing_for_force(convention, *, on, today):
    if today < convention.start_date:
        return [f"la date de début ({convention.start_date:%d/%m/%Y})"]
    return []


def missing_for_expiry(convention, *, on, today):
    if today <= convention.end_date:
        return [f"la date de fin dépassée (fin le {convention.end_date:%d/%m/%Y})"]
    return []


def missing_for_termination(convention, *, on, today):
    if on is None:
        return ["la date du préavis de résiliation (lettre recommandée)"]
    if on > today:
        return ["une date de préavis qui ne soit pas dans le futur"]
    return []


def missing_for_draft(convention, *, on, today):
    return []


CONDITIONS = {
    Status.DRAFT: missing_for_draft,
    Status.VALIDATED: missing_for_validation,
    Status.VOTED: missing_for_vote,
    Status.READY: missing_for_ready,
    Status.SIGNED: missing_for_signature,
    Status.IN_FORCE: missing_for_force,
    Status.EXPIRED: missing_for_expiry,
    Status.TERMINATED: missing_for_termination,
}


def freeze(convention, *, user):
    from .scans import ScanError
    from .signing import SigningError, freeze

    try:
        freeze(convention=convention, user=user)
    except (SigningError, ScanError) as error:
        raise StepRefused([str(error)]) from None


def record_signed_version(convention, *, user):
    from .amendments import record_version

    record_version(convention)


# What a step does besides changing the status, before it is recorded (same transaction).
ACTIONS = {Status.READY: freeze, Status.SIGNED: record_signed_version}

STEPS = [
    Step(Status.VALIDATED, (Status.DRAFT,), "Validée par le COPIL", "Date du COPIL"),
    Step(Status.VOTED, (Status.VALIDATED,), "Votée par les instances"),
    Step(Status.READY, (Status.VOTED,), "Prête pour signature"),
    Step(Status.SIGNED, (Status.READY,), "Signée"),
    Step(Status.IN_FORCE, (Status.SIGNED,), "En vigueur"),
    Step(Status.EXPIRED, (Status.IN_FORCE,), "Échue"),
    Step(Status.TERMINATED, (Status.IN_FORCE,), "Résiliée", "Date du préavis"),
    Step(Status.DRAFT, (Status.VALIDATED, Status.VOTED), "Revenir au brouillon"),
]


def next_steps(convention):
    return [step for step in STEPS if convention.status in step.sources]


def get_step(convention, target):
    for step in next_steps(convention):
        if step.target == target:
            return step
    raise StepRefused(
        [f"une convention « {convention.get_status_display()} » ne peut pas passer à cette étape"]
    )


@transaction.atomic
def take_step(convention, target, *, user, on=None, note="", today=None):
    """Move ``convention`` to ``target`` if its conditions hold; keep who and when. Its row
    is locked first: a second request read before the first changed it is refused."""
    current = Convention.objects.select_for_update().only("status").get(pk=convention.pk)
    if current.status != convention.status:
        raise StepRefused(
            [
                f"la convention est passée à « {current.get_status_display()} » entre-temps : "
                "rechargez la page"
            ]
        )
    step = get_step(convention, target)
    missing = step.missing(convention, on=on, today=today)
    if missing:
        raise StepRefused(missing)
    if target in ACTIONS:
        ACTIONS[target](convention, user=user)
    change = StatusChange.objects.create(
        convention=convention,
        from_status=convention.status,
        to_status=target,
        user=user,
        effective_on=on,
        note=note,
    )
    convention.status = target
    if target == Status.VALIDATED:
        convention.copil_validated_on = on
    elif target == Status.TERMINATED:
        convention.notice_given_on = on
        convention.terminated_on = add_months(on, NOTICE_MONTHS)
    convention.save()
    return change
