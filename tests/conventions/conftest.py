"""The Jura Nord convention taken to signature, shared by the signing and avenant tests.

Its PDF is rendered once (``rendered``) into the PDF cache of the session's MEDIA_ROOT:
freezing the same content finds it there, as it would after a download. ``ready`` and
``signed`` take the demo's draft there in each test; a module whose every test starts
from the signed convention signs it once instead (``signed_for_the_module``)."""

import datetime
import re
import shutil
import subprocess

import pytest
from django.contrib.auth import get_user_model

from conventions import documents, signing
from conventions.models import Convention, Signature
from conventions.workflow import take_step
from tests.conftest import shared_rows

Status = Convention.Status
JURA_NORD = "CTG Jura Nord 2019-2023"
SIGNERS = ["Jean-Charles CHAMBOST", "Éric GROSPIERRE", "Gérôme FASSENET"]


@pytest.fixture(scope="module")
def rendered(demo_db, django_db_blocker):
    """The Jura Nord PDF and its signature boxes, rendered (or found in the cache)."""
    with django_db_blocker.unblock():
        convention = Convention.objects.get(short_title=JURA_NORD)
        return documents.render_pdf_with_boxes(convention=convention, prefix=signing.BOX_PREFIX)


DEMO_USERS = ["caf-jura", "epci-jura-nord", "lecteur-jura-nord", "epci-coteaux"]


def demo_users():
    return {name: get_user_model().objects.get(username=name) for name in DEMO_USERS}


@pytest.fixture
def users(demo):
    return demo_users()


def make_ready(convention, users):
    """Jura Nord validated, voted, then ready for signature: its PDF frozen."""
    editor = users["epci-jura-nord"]
    take_step(convention, Status.VALIDATED, user=editor, on=datetime.date(2019, 11, 28))
    take_step(convention, Status.VOTED, user=editor, note="CA du 12/12, conseil du 18/12")
    take_step(convention, Status.READY, user=editor)
    convention.refresh_from_db()
    return convention


def signer_for(signature, users):
    """The demo editor of the signatory's organisation, who signs on their behalf."""
    caf = signature.signatory.party.organisation.kind == "caf"
    return users["caf-jura"] if caf else users["epci-jura-nord"]


def sign_everything(convention, users):
    """Each signatory signs the frozen convention, in order."""
    for signature in Signature.objects.filter(document__convention=convention).order_by("order"):
        signing.sign(signature=signature, user=signer_for(signature, users))
    convention.refresh_from_db()
    return convention


@pytest.fixture
def ready(demo, users, rendered):
    return make_ready(demo, users)


@pytest.fixture
def signed(ready, users):
    return sign_everything(ready, users)


@pytest.fixture(scope="module")
def signed_for_the_module(rendered, django_db_blocker):
    """Jura Nord signed once for the whole module (rolled back after its last test): for
    modules where no test needs the draft. Such a module overrides ``signed`` with it."""
    with shared_rows(django_db_blocker):
        users = demo_users()
        convention = Convention.objects.get(short_title=JURA_NORD)
        yield sign_everything(make_ready(convention, users), users).pk


@pytest.fixture(scope="module")
def nss_folder(demo_db, tmp_path_factory):
    """An NSS folder that trusts the test authority, for pdfsig."""
    if not shutil.which("certutil"):
        pytest.fail("certutil is missing: install libnss3-tools (scripts/test.sh does).")
    folder = tmp_path_factory.mktemp("nss")
    authority = signing.local_keys_dir() / signing.CA_CERTIFICATE
    subprocess.run(["certutil", "-N", "-d", f"sql:{folder}", "--empty-password"], check=True)
    subprocess.run(
        ["certutil", "-A", "-d", f"sql:{folder}", "-n", "ctg-test", "-t", "CT,C,C"]
        + ["-i", str(authority)],
        check=True,
    )
    return folder


def pdfsig(path, nss_folder):
    """pdfsig's report, one dict per signature (it exits 0 even on failures)."""
    output = subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss_folder}", str(path)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    found = []
    for block in re.split(r"^Signature #\d+:$", output, flags=re.MULTILINE)[1:]:
        fields = dict(re.findall(r"^ *- ([^:\n]+): (.*)$", block, flags=re.MULTILINE))
        fields["total"] = "Total document signed" in block
        found.append(fields)
    return found
