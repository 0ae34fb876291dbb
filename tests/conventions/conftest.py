"""The Jura Nord convention taken to signature, shared by the signing and avenant tests.

Its PDF is rendered once per module (``rendered``): freezing reuses it (``fast_render``)."""

import datetime
import re
import shutil
import subprocess

import pytest

from conventions import documents, signing
from conventions.models import Convention, Signature
from conventions.workflow import take_step

Status = Convention.Status
JURA_NORD = "CTG Jura Nord 2019-2023"
SIGNERS = ["Jean-Charles CHAMBOST", "Éric GROSPIERRE", "Gérôme FASSENET"]


@pytest.fixture(scope="module")
def rendered(demo_db, django_db_blocker):
    """The Jura Nord PDF and its signature boxes, rendered once for the module."""
    with django_db_blocker.unblock():
        convention = Convention.objects.get(short_title=JURA_NORD)
        return documents.render_pdf_with_boxes(convention=convention, prefix=signing.BOX_PREFIX)


@pytest.fixture
def fast_render(rendered, monkeypatch):
    monkeypatch.setattr(documents, "render_pdf_with_boxes", lambda **kwargs: rendered)


@pytest.fixture
def users(demo, django_user_model):
    names = ["caf-jura", "epci-jura-nord", "lecteur-jura-nord", "epci-coteaux"]
    return {name: django_user_model.objects.get(username=name) for name in names}


@pytest.fixture
def ready(demo, users, fast_render):
    """Jura Nord validated, voted, then ready for signature: its PDF frozen."""
    editor = users["epci-jura-nord"]
    take_step(demo, Status.VALIDATED, user=editor, on=datetime.date(2019, 11, 28))
    take_step(demo, Status.VOTED, user=editor, note="CA du 12/12, conseil du 18/12")
    take_step(demo, Status.READY, user=editor)
    demo.refresh_from_db()
    return demo


def signer_for(signature, users):
    """The demo editor of the signatory's organisation, who signs on their behalf."""
    caf = signature.signatory.party.organisation.kind == "caf"
    return users["caf-jura"] if caf else users["epci-jura-nord"]


@pytest.fixture
def signed(ready, users):
    for signature in Signature.objects.filter(document__convention=ready).order_by("order"):
        signing.sign(signature=signature, user=signer_for(signature, users))
    ready.refresh_from_db()
    return ready


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
