"""A local test certificate authority and one signing key per signatory, for development
and tests only: never for a real signature.

The folder receives the authority's certificate (``ac-test-ctg.pem``, to trust in a PDF
reader or in an NSS folder for ``pdfsig``) and private key, then for each signatory a
certificate (``<organisation>--<person>.pem``) and a PKCS#12 file (``.p12``) protected by
the test passphrase. The signatories are those of the database and those of the demo
fixtures. Run again, it keeps what exists and adds what is missing.
"""

import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.management.base import BaseCommand

from conventions.demo import read_yaml
from conventions.models import Signatory
from conventions.signing import CA_CERTIFICATE, TEST_PASSPHRASE, key_name

CA_KEY = "ac-test-ctg.key"
CA_NAME = "AC de test CTG (ne pas utiliser en production)"
DEMO_FOLDERS = ["jura_nord", "coteaux"]


def clip(text, size=64):
    """At most ``size`` bytes of UTF-8 (the limit of a certificate's name attributes)."""
    return text.encode()[:size].decode(errors="ignore")


def distinguished_name(common_name, organisation):
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, clip(organisation)),
            x509.NameAttribute(NameOID.COMMON_NAME, clip(common_name)),
        ]
    )


def key_usage(*, signing):
    return x509.KeyUsage(
        digital_signature=signing,
        content_commitment=signing,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not signing,
        crl_sign=not signing,
        encipher_only=False,
        decipher_only=False,
    )


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def create_authority(folder):
    now = datetime.datetime.now(datetime.UTC)
    key = new_key()
    name = distinguished_name(CA_NAME, "CTG (test)")
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(key_usage(signing=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    (folder / CA_KEY).write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (folder / CA_KEY).chmod(0o600)
    (folder / CA_CERTIFICATE).write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key, certificate


def load_authority(folder):
    key = serialization.load_pem_private_key((folder / CA_KEY).read_bytes(), password=None)
    certificate = x509.load_pem_x509_certificate((folder / CA_CERTIFICATE).read_bytes())
    return key, certificate


def issue(folder, name, *, common_name, organisation, authority, passphrase):
    ca_key, ca_certificate = authority
    now = datetime.datetime.now(datetime.UTC)
    key = new_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(distinguished_name(common_name, organisation))
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(key_usage(signing=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    bundle = pkcs12.serialize_key_and_certificates(
        common_name.encode(),
        key,
        certificate,
        [ca_certificate],
        serialization.BestAvailableEncryption(passphrase.encode()),
    )
    (folder / f"{name}.p12").write_bytes(bundle)
    (folder / f"{name}.p12").chmod(0o600)
    (folder / f"{name}.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def fixture_signatories():
    """(organisation, first name, last name) of the signatories of the demo fixtures."""
    organisations, people = {}, {}
    found = []
    for folder in DEMO_FOLDERS:
        data = read_yaml(settings.BASE_DIR / "fixtures" / folder, "convention.yaml")
        organisations |= {item["key"]: item["name"] for item in data.get("organisations", [])}
        people |= {item["key"]: item for item in data.get("people", [])}
        spec = data.get("convention", {})
        keys = [s["person"] for p in spec.get("parties", []) for s in p.get("signatories", [])]
        keys += [s["person"] for s in spec.get("signatories", [])]
        for key in keys:
            person = people[key]
            found.append(
                (organisations[person["organisation"]], person["first_name"], person["last_name"])
            )
    return found


def database_signatories():
    return [
        (s.person.organisation.name, s.person.first_name, s.person.last_name)
        for s in Signatory.objects.select_related("person__organisation")
    ]


class Command(BaseCommand):
    help = (
        "Crée une autorité de certification de test et un certificat de signature (PKCS#12) "
        "par signataire (base de données et données de démonstration). Pour le "
        "développement et les tests seulement."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "-o", "--output", required=True, help="Dossier des clés (créé s'il manque)."
        )
        parser.add_argument(
            "--passphrase",
            default=TEST_PASSPHRASE,
            help=f"Phrase secrète des fichiers PKCS#12 (par défaut « {TEST_PASSPHRASE} »).",
        )

    def handle(self, *args, output, passphrase, **options):
        folder = Path(output)
        folder.mkdir(parents=True, exist_ok=True)
        if (folder / CA_KEY).exists() and (folder / CA_CERTIFICATE).exists():
            authority = load_authority(folder)
        else:
            authority = create_authority(folder)
            self.stdout.write(f"Autorité de test créée : {folder / CA_CERTIFICATE}")
        created = 0
        people = dict.fromkeys(fixture_signatories() + database_signatories())
        for organisation, first_name, last_name in people:
            name = key_name(organisation=organisation, first_name=first_name, last_name=last_name)
            if (folder / f"{name}.p12").exists():
                continue
            issue(
                folder,
                name,
                common_name=f"{first_name} {last_name}",
                organisation=organisation,
                authority=authority,
                passphrase=passphrase,
            )
            created += 1
            self.stdout.write(f"  {name}.p12")
        self.stdout.write(
            f"{created} certificat(s) créé(s) dans {folder}. Pour que pdfsig leur fasse "
            f"confiance : certutil -N -d sql:DOSSIER --empty-password && certutil -A -d "
            f"sql:DOSSIER -n ctg-test -t CT,C,C -i {folder / CA_CERTIFICATE}"
        )
