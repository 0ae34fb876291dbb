"""Settings of the ctg project, read from the environment.

Defaults run on SQLite with DEBUG on, so that a fresh checkout starts. Set
``DATABASE_URL`` for PostgreSQL. With ``DEBUG`` off, ``SECRET_KEY`` and
``ALLOWED_HOSTS`` are required.
"""

import os
from pathlib import Path

import bootstrap_wrapper
import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name, default=None):
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"La variable d'environnement {name} est obligatoire.")
    return value


def env_bool(name, default):
    raw = os.environ.get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} doit valoir true ou false, pas {raw!r}.")


def env_int(name, default, *, minimum=None):
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} doit être un nombre entier, pas {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} doit valoir au moins {minimum}, pas {value}.")
    return value


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
else:
    SECRET_KEY = env_str("SECRET_KEY")
    if SECRET_KEY == DEVELOPMENT_SECRET_KEY:
        raise ImproperlyConfigured(
            "La SECRET_KEY de développement est refusée quand DEBUG est désactivé : "
            "donnez une clé secrète propre à ce serveur (50 caractères aléatoires)."
        )
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS est obligatoire quand DEBUG est désactivé.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "import_export",
    "simple_history",
    # Order matters for load_demo: each app's demo loader may use the ones above it.
    "conventions",
    "actions",
    "diagnostic",
    "pilotage",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "conventions.middleware.private_pages_not_stored",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "ctg.urls"
WSGI_APPLICATION = "ctg.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "conventions.context_processors.current_memberships",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=60,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "conventions:portfolio"
LOGOUT_REDIRECT_URL = "login"
# Failed logins allowed per account at one address, and per address whatever the account,
# before a pause of LOGIN_FAILURE_WINDOW seconds, doubled at each further failure (see
# conventions/accounts.py). Behind a reverse proxy, CTG_CLIENT_ADDRESS_HEADER names the
# header in which the proxy puts the client's address (e.g. X-Real-IP).
LOGIN_FAILURE_LIMIT = 5
LOGIN_ADDRESS_FAILURE_LIMIT = 20
LOGIN_FAILURE_WINDOW = 15 * 60
CTG_CLIENT_ADDRESS_HEADER = env_str("CTG_CLIENT_ADDRESS_HEADER", "")
# Password reset e-mails asked per e-mail, and per address whatever the e-mail, before a
# pause of PASSWORD_RESET_WINDOW seconds, doubled at each further request.
PASSWORD_RESET_LIMIT = 3
PASSWORD_RESET_ADDRESS_LIMIT = 10
PASSWORD_RESET_WINDOW = 60 * 60

LANGUAGE_CODE = "fr-fr"
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static", ("bootstrap", bootstrap_wrapper.get_bootstrap_dir())]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Stored files (frozen and signed PDFs, scanned copies) are never served from MEDIA_URL:
# only through views that check the right to read the convention. "signatures" is their
# storage; set CTG_SIGNATURES_STORAGE to another backend (an S3 storage…) to move them.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "signatures": {
        "BACKEND": env_str("CTG_SIGNATURES_STORAGE", "django.core.files.storage.FileSystemStorage")
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

# HTTPS only once DEBUG is off. Behind a reverse proxy that speaks HTTPS to the browser and
# HTTP to the application, SECURE_PROXY_SSL_HEADER names the header in which it says
# "https" (e.g. X-Forwarded-Proto; the proxy must overwrite it); SECURE_SSL_REDIRECT=false
# when the proxy redirects to HTTPS itself.
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
if proxy_ssl_header := env_str("SECURE_PROXY_SSL_HEADER", ""):
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + proxy_ssl_header.upper().replace("-", "_"), "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): only this site's own scripts, styles, images and
# fonts; no inline script, event handler or style attribute (htmx's indicator style is
# turned off in base.html), no framing, no plugin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ctg@localhost")

# Statistical secrecy of public output (exports marked public, the public PDF): counts of
# people or households below the threshold are masked; with ROUNDING, the Caf's counts are
# also rounded to 5 as its open data (Cafdata) is. Stored values always stay exact.
STATISTICAL_SECRECY_THRESHOLD = env_int("STATISTICAL_SECRECY_THRESHOLD", 5)
if STATISTICAL_SECRECY_THRESHOLD < 0:
    raise ImproperlyConfigured("STATISTICAL_SECRECY_THRESHOLD doit être positif ou nul.")
STATISTICAL_SECRECY_ROUNDING = env_bool("STATISTICAL_SECRECY_ROUNDING", False)

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Electronic signatures (conventions/signing.py). Each signatory's key is a PKCS#12 file in
# CTG_SIGNING_KEYS_DIR named after the organisation and the person, slugified
# ("communaute-de-communes-jura-nord--gerome-fassenet.p12"), or one per organisation
# ("communaute-de-communes-jura-nord.p12"). Passphrases come from the environment:
# CTG_SIGNING_PASSPHRASE_<file name in capitals, "-" as "_">, else CTG_SIGNING_PASSPHRASE.
# CTG_SIGNING_TEST_KEYS (by default: DEBUG on and no keys folder) uses instead the keys of
# a local test authority under MEDIA_ROOT (python manage.py create_test_ca; load_demo
# creates it). CTG_SIGNING_TRUST_ROOTS: the CA certificates (PEM files) that verification
# trusts; by default the keys folder's ac-test-ctg.pem.
CTG_SIGNING_KEYS_DIR = os.environ.get("CTG_SIGNING_KEYS_DIR") or None
CTG_SIGNING_TEST_KEYS = env_bool("CTG_SIGNING_TEST_KEYS", DEBUG and not CTG_SIGNING_KEYS_DIR)
if CTG_SIGNING_TEST_KEYS and not DEBUG:
    raise ImproperlyConfigured(
        "CTG_SIGNING_TEST_KEYS (les clés de signature de développement) est refusé quand "
        "DEBUG est désactivé : donnez les clés réelles dans CTG_SIGNING_KEYS_DIR."
    )
CTG_SIGNING_PASSPHRASE = env_str("CTG_SIGNING_PASSPHRASE", "")
CTG_SIGNING_PASSPHRASES = {
    name.removeprefix("CTG_SIGNING_PASSPHRASE_"): value
    for name, value in os.environ.items()
    if name.startswith("CTG_SIGNING_PASSPHRASE_")
}
CTG_SIGNING_TRUST_ROOTS = env_list("CTG_SIGNING_TRUST_ROOTS")
# "sequential": by party order, then signatory order; "any": every signatory at once.
CTG_SIGNING_ORDER = env_str("CTG_SIGNING_ORDER", "sequential")
if CTG_SIGNING_ORDER not in {"sequential", "any"}:
    raise ImproperlyConfigured(
        f"CTG_SIGNING_ORDER doit valoir sequential ou any, pas {CTG_SIGNING_ORDER!r}."
    )
# An editor of the signatory's organisation may sign on their behalf (demonstration only:
# on by default with DEBUG). Otherwise only the user linked to the signatory signs.
CTG_SIGNING_ON_BEHALF = env_bool("CTG_SIGNING_ON_BEHALF", DEBUG)
# The stamp's font must be embedded and have 1000 units per em (fonts-urw-base35).
CTG_SIGNING_STAMP_FONT = Path(
    env_str("CTG_SIGNING_STAMP_FONT", "/usr/share/fonts/opentype/urw-base35/NimbusSans-Regular.otf")
)
# Uploaded PDFs (scanned copies, documents to verify): at most this many bytes.
CTG_UPLOAD_MAX_BYTES = env_int("CTG_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)

# Scanned deliberations (conventions/scans.py): poppler's pdftoppm turns their pages into
# images for the convention's PDF. It is stopped after CTG_SCAN_RASTER_TIMEOUT seconds per
# scan and given CTG_SCAN_RASTER_MEMORY_MB megabytes of address space; a scan that fails is
# not tried again for CTG_SCAN_RASTER_RETRY_AFTER seconds (the download then fails at once).
CTG_SCAN_RASTER_TIMEOUT = env_int("CTG_SCAN_RASTER_TIMEOUT", 30, minimum=1)
CTG_SCAN_RASTER_MEMORY_MB = env_int("CTG_SCAN_RASTER_MEMORY_MB", 300, minimum=1)
CTG_SCAN_RASTER_RETRY_AFTER = env_int("CTG_SCAN_RASTER_RETRY_AFTER", 3600, minimum=1)

# Imports of XLSX files (conventions/workbooks.py; the diagnostic's import pages and the
# back-office's): a workbook whose parts take more than CTG_IMPORT_MAX_UNCOMPRESSED_BYTES
# once uncompressed, or whose sheet has more than CTG_IMPORT_MAX_ROWS rows (the header
# included), is refused before anything is read further or written. 100,000 rows of 20
# columns take about 80 MB uncompressed.
CTG_IMPORT_MAX_ROWS = env_int("CTG_IMPORT_MAX_ROWS", 100_000, minimum=1)
CTG_IMPORT_MAX_UNCOMPRESSED_BYTES = env_int(
    "CTG_IMPORT_MAX_UNCOMPRESSED_BYTES", 100 * 1024 * 1024, minimum=1
)
