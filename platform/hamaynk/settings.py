"""Hamaynk settings, read from the environment (see docs/configuration.md for every variable).

Defaults are the laptop defaults: `hamaynk run` fills in an embedded PostgreSQL, a file-system
broker and a file cache; production sets DATABASE_URL, CELERY_BROKER_URL, CACHE_URL and
STORAGE_BACKEND=s3.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import environ
from django.utils.translation import gettext_lazy as _

from hamaynk import paths

# Files the platform reads come from the installed packages; what it writes goes to VAR_DIR
# (HAMAYNK_VAR_DIR; in a checkout the repository's var/, else the user's data folder: see
# hamaynk.paths and docs/running.md).
PLATFORM_ROOT = paths.PLATFORM_ROOT

env = environ.Env()

VAR_DIR = paths.var_dir()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="hamaynk-insecure-development-key-change-me")

# A municipality is reached on <slug>.<PLATFORM_DOMAIN>; the bare PLATFORM_DOMAIN is the
# ministry console. Unknown hosts are refused by the routing middleware with a 404 page,
# so ALLOWED_HOSTS does not need to list every municipality's own domain.
PLATFORM_DOMAIN = env.str("PLATFORM_DOMAIN", default="localhost").lower()
PLATFORM_SCHEME = env.str("PLATFORM_SCHEME", default="http")
PLATFORM_PORT = env.str("PLATFORM_PORT", default="")
ALLOWED_HOSTS = ["*"]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/hamaynk"),
}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
# A Unix socket directory is written percent-encoded in the URL's host part.
DATABASES["default"]["HOST"] = unquote(DATABASES["default"]["HOST"])
# Bounded connection age keeps PostgreSQL's per-connection catalog caches small when
# hundreds of schemas are visited by one process.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=300)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A database that does not answer fails a connection attempt after this many seconds instead of
# holding a request or a task forever; each process names itself (hamaynk-web, hamaynk-worker,
# hamaynk-beat …) so pg_stat_activity shows who holds which connection.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=10))
DATABASES["default"]["OPTIONS"].setdefault(
    "application_name", env.str("DB_APPLICATION_NAME", default=f"hamaynk-{env.str('HAMAYNK_COMMAND', default='app')}")
)
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SHARED_APPS = [
    "django_tenants",
    "hamaynk.tenancy",
    "provisioning",
    "hamaynk.console",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "axes",
    # Two-factor sign-in: devices live beside the users they belong to, so the ministry's in
    # the public schema and each municipality's staff's in its own schema.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # The audit trail's table is in the public schema (the ministry's changes) and in every
    # municipality's schema (its own), like the users it records.
    "tenants.audit",
    # The event outbox: platform events in the public schema, a municipality's in its own.
    "hamaynk.events",
    # Webhook subscriptions: the ministry's in the public schema, a municipality's in its own.
    "tenants.webhooks",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "tenants.accounts",
    "tenants.profile",
    "tenants.workcalendar",
    "tenants.registers",
    "tenants.catalogue",
    "tenants.cases",
    "tenants.budget",
    "tenants.audit",
    "hamaynk.events",
    "tenants.webhooks",
    # The website: Wagtail in every municipality's schema (pages, images, documents, search
    # index, moderation workflows), with its pages and branding in tenants.website.
    "tenants.website",
    "wagtail.contrib.settings",
    "wagtail.contrib.simple_translation",
    "wagtail.contrib.routable_page",
    "wagtail.locales",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenancy.Municipality"
TENANT_DOMAIN_MODEL = "tenancy.Domain"
PUBLIC_SCHEMA_URLCONF = "hamaynk.urls_public"
ROOT_URLCONF = "hamaynk.urls_municipal"
GOLDEN_SCHEMA_NAME = "hamaynk_golden"
# Set search_path once per connection and schema change, not before every query (it halves the
# number of statements a municipal page sends; rollbacks reset it, see the backend).
TENANT_LIMIT_SET_CALLS = True

MIDDLEWARE = [
    "hamaynk.tenancy.middleware.MunicipalityRoutingMiddleware",
    "hamaynk.inputs.InputGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tenants.audit.middleware.AuditActorMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "hamaynk.twofactor.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

# The municipal APIs (hamaynk.api) take the municipality's API keys, which the registers module
# issues (Registers → API keys, `hamaynk apikey`).
API_KEY_AUTHENTICATOR = "tenants.registers.apikeys.authenticate"

# Request input (hamaynk.inputs): what every request may hold, checked before any view runs.
# The whole request, files included: above the largest upload (a 50 MB register import).
INPUT_MAX_REQUEST_BYTES = env.int("INPUT_MAX_REQUEST_BYTES", default=60 * 1024 * 1024)
INPUT_MAX_JSON_DEPTH = env.int("INPUT_MAX_JSON_DEPTH", default=32)
# Query parameters that are whole numbers on every page and API that reads them, with their range.
INPUT_INTEGER_PARAMETERS = {
    "page": (0, 2**63 - 1),
    "firstResult": (0, 2**63 - 1),
    "maxResult": (0, 2**63 - 1),
    "offset": (0, 2**63 - 1),
    "limit": (0, 2**63 - 1),
    "year": (1, 9999),
}
# A cell of an uploaded CSV file (hamaynk.csvinput); longer ones are reported by row and column.
CSV_MAX_CELL_CHARS = env.int("CSV_MAX_CELL_CHARS", default=100_000)
# Form fields and JSON bodies kept in memory (Django's setting): 2.5 MB.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PLATFORM_ROOT / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hamaynk.tenancy.context.municipality",
                "tenants.website.context.website",
                "hamaynk.mail_outbox.context",
            ],
        },
    }
]

WSGI_APPLICATION = "hamaynk.wsgi.application"

# The web server (`hamaynk web`, hamaynk.webserver): gunicorn, WEB_PROCESSES × WEB_THREADS
# requests at a time and at most that many database connections (one per thread).
WEB_BIND = env.str("WEB_BIND", default="127.0.0.1:8000")
WEB_PROCESSES = env.int("WEB_PROCESSES", default=2)
WEB_THREADS = env.int("WEB_THREADS", default=4)
WEB_TIMEOUT = env.int("WEB_TIMEOUT", default=120)  # a request running longer has its process restarted
WEB_GRACEFUL_TIMEOUT = env.int("WEB_GRACEFUL_TIMEOUT", default=20)  # on stop, for requests under way
WEB_KEEPALIVE = env.int("WEB_KEEPALIVE", default=5)
WEB_ACCESS_LOG = env.bool("WEB_ACCESS_LOG", default=False)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = env.list(
    "PASSWORD_HASHERS",
    default=["django.contrib.auth.hashers.PBKDF2PasswordHasher"],
)
LOGIN_URL = "login"

# Sign-in lockout (django-axes). Its tables are in every schema, so a lockout is per municipality
# (and the ministry's own); a user name from one address is locked after AXES_FAILURE_LIMIT
# wrong passwords for AXES_COOLOFF_MINUTES.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "hamaynk/locked_out.html"
AXES_VERBOSE = False

# Rate limits (hamaynk.throttle): "<count>/<period>" with s, m, h or d and an optional multiple
# ("60/10m"), or "off". Counters are per municipality, in the shared cache. A town hall's staff
# and visitors may all come from one NAT address, so the per-address rates leave room for a
# busy office and stop only scripts.
THROTTLE_RATES = {
    "applications": env.str("THROTTLE_APPLICATIONS", default="60/h"),  # online applications sent, per address
    "confirmations": env.str("THROTTLE_CONFIRMATIONS", default="60/h"),  # email confirmation links opened
    "tracking": env.str("THROTTLE_TRACKING", default="120/10m"),  # tracking-code lookups
    "verification": env.str("THROTTLE_VERIFICATION", default="120/10m"),  # document verification lookups
    "downloads": env.str("THROTTLE_DOWNLOADS", default="300/10m"),  # public documents and files
    "sign_in_address": env.str("THROTTLE_SIGN_IN_ADDRESS", default="100/10m"),  # sign-in attempts per address
    "sign_in_user": env.str("THROTTLE_SIGN_IN_USER", default="20/10m"),  # sign-in attempts per user name
    "api_key": env.str("THROTTLE_API_KEY", default="1200/m"),  # API requests per key
}

# Two-factor sign-in (django-otp: TOTP apps and single-use backup codes). Required for the
# ministry console and for municipal staff whose roles read personal data (see
# hamaynk.twofactor.policy). Wrong codes are throttled per device by django-otp (1, 2, 4, 8 …
# seconds) and count as failed sign-ins for the lockout above.
TWO_FACTOR_REQUIRED = env.bool("TWO_FACTOR_REQUIRED", default=True)
TWO_FACTOR_BACKUP_CODES = 10


def OTP_TOTP_ISSUER(device):  # noqa: N802 - django-otp calls the setting for the app's label
    from hamaynk.twofactor.devices import issuer

    return issuer(device)


OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
PASSWORD_RESET_TIMEOUT = env.int("SET_PASSWORD_LINK_TIMEOUT", default=3 * 24 * 3600)

# Languages: Armenian first.
LANGUAGE_CODE = "hy"
LANGUAGES = [("hy", _("Armenian")), ("en", _("English")), ("ru", _("Russian"))]
# The platform's own catalogue first; then Armenian for the Wagtail admin's texts, which Wagtail
# does not ship (kept apart: the main catalogue is regenerated from the code, this one is not).
LOCALE_PATHS = [PLATFORM_ROOT / "locale", PLATFORM_ROOT / "locale_wagtail"]
TIME_ZONE = "Asia/Yerevan"
USE_I18N = True
USE_TZ = True

# Wagtail, per municipality. Page trees are translated (one tree per language, editors manage the
# translations); the admin is at /cms/ and signs in through the staff sign-in page.
WAGTAIL_SITE_NAME = "Hamaynk"
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAILADMIN_LOGIN_URL = "/staff/login/"
WAGTAIL_FRONTEND_LOGIN_URL = "/staff/login/"
WAGTAILADMIN_BASE_URL = f"{PLATFORM_SCHEME}://{PLATFORM_DOMAIN}"
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
WAGTAIL_MODERATION_ENABLED = True
WAGTAIL_WORKFLOW_ENABLED = True
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_EXTENSIONS = ["jpg", "jpeg", "png", "webp"]
WAGTAILDOCS_EXTENSIONS = ["pdf", "csv", "docx", "odt", "xlsx", "ods", "txt", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILEMBEDS_RESPONSIVE_HTML = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [PLATFORM_ROOT / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))

# Files: every municipality's files live under municipalities/<uuid>/ (see hamaynk.tenancy.storage).
STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="filesystem")
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="hamaynk")
AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default=None)
AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="us-east-1")
AWS_DEFAULT_ACL = None
AWS_QUERYSTRING_AUTH = True
AWS_QUERYSTRING_EXPIRE = env.int("AWS_QUERYSTRING_EXPIRE", default=300)
STORAGES = {
    "default": {
        "BACKEND": {
            "filesystem": "hamaynk.tenancy.storage.MunicipalFileSystemStorage",
            "s3": "hamaynk.tenancy.storage.MunicipalS3Storage",
        }[STORAGE_BACKEND],
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Cache keys carry the municipality (hamaynk.tenancy.cache.make_key).
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://hamaynk")}
# Every municipality keeps a few entries (host, Wagtail's site root paths, the site chrome, the
# home page figures): Django's default of 300 entries would hold about 75 municipalities and
# make the others miss on every request. Local-memory and file caches get room for thousands.
if CACHES["default"]["BACKEND"].endswith(("LocMemCache", "FileBasedCache")):
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", env.int("CACHE_MAX_ENTRIES", default=50_000))
CACHES["default"]["KEY_FUNCTION"] = "hamaynk.tenancy.cache.make_key"
HOST_CACHE_SECONDS = env.int("HOST_CACHE_SECONDS", default=300)
# Each web process's own memo of hosts in front of that cache (hamaynk.tenancy.routing): the
# longest another process's change to a municipality (suspended, a domain) takes to reach it.
HOST_MEMO_SECONDS = env.float("HOST_MEMO_SECONDS", default=2.0)
HOST_MEMO_ENTRIES = env.int("HOST_MEMO_ENTRIES", default=4096)

# Celery: RabbitMQ in production; without a broker the laptop default is a file-system queue
# under VAR_DIR, so the same task code runs with a real worker and no server to install.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://localhost/")  # a host, else kombu warns
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(VAR_DIR / "queue"),
        "data_folder_out": str(VAR_DIR / "queue"),
        "processed_folder": str(VAR_DIR / "queue-processed"),
        # kombu keeps its exchange tables here; by default it writes them into the current folder.
        "control_folder": str(VAR_DIR / "queue-control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {"confirm_publish": True}
)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=600)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=540)
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# A task that meets a database outage goes back to the queue (hamaynk.taskbase): waits of 1, 2,
# 4 … seconds up to TASK_RETRY_BACKOFF_MAX, TASK_DATABASE_RETRIES times (at least 7 minutes in all).
TASK_DATABASE_RETRIES = env.int("TASK_DATABASE_RETRIES", default=20)
TASK_RETRY_BACKOFF_MAX = env.float("TASK_RETRY_BACKOFF_MAX", default=60.0)
# Periodic work, sent by the one `hamaynk beat` process (never by a worker).
CELERY_BEAT_SCHEDULE = {
    "collect-statistics": {
        "task": "hamaynk.tenancy.tasks.collect_all_statistics",
        "schedule": env.float("STATISTICS_EVERY_SECONDS", default=3600.0),
    },
    "resume-stalled-provisioning": {
        "task": "provisioning.tasks.resume_stalled_runs",
        "schedule": env.float("RESUME_PROVISIONING_EVERY_SECONDS", default=60.0),
    },
    "send-due-webhooks": {
        "task": "tenants.webhooks.sweep",
        "schedule": env.float("WEBHOOK_SWEEP_SECONDS", default=15.0),
    },
    "purge-sent-events": {
        "task": "hamaynk.events.purge",
        "schedule": env.float("EVENTS_PURGE_EVERY_SECONDS", default=86400.0),
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# How often `hamaynk beat` checks the connection that holds its one-per-database lock.
BEAT_LOCK_CHECK_SECONDS = env.float("BEAT_LOCK_CHECK_SECONDS", default=5.0)

# Events (hamaynk.events, docs/events.md): the outbox relayed by `hamaynk relay` to a durable topic
# exchange on EVENTS_BROKER_URL (the Celery broker by default; without an AMQP broker the relay
# feeds the internal consumers only) and to the internal consumers through the Celery queue.
EVENTS_BROKER_URL = env.str("EVENTS_BROKER_URL", default=CELERY_BROKER_URL)
EVENTS_EXCHANGE = env.str("EVENTS_EXCHANGE", default="hamaynk.events")
EVENTS_BROKER_TIMEOUT = env.float("EVENTS_BROKER_TIMEOUT", default=5.0)  # every broker wait, in seconds
EVENTS_RELAY_BATCH = env.int("EVENTS_RELAY_BATCH", default=500)  # events read from one schema at a time
EVENTS_RELAY_SCHEMAS_PER_PASS = env.int("EVENTS_RELAY_SCHEMAS_PER_PASS", default=200)  # one dispatch task each
EVENTS_RELAY_GATHER_SECONDS = env.float("EVENTS_RELAY_GATHER_SECONDS", default=0.05)  # notifications per pass
EVENTS_RELAY_SWEEP_SECONDS = env.float("EVENTS_RELAY_SWEEP_SECONDS", default=5.0)
EVENTS_RELAY_BACKOFF_MAX_SECONDS = env.float("EVENTS_RELAY_BACKOFF_MAX_SECONDS", default=30.0)
EVENTS_KEEP_DAYS = env.int("EVENTS_KEEP_DAYS", default=30)  # sent events (and receipts) kept this long
EVENTS_CONSUMER_MAX_ATTEMPTS = env.int("EVENTS_CONSUMER_MAX_ATTEMPTS", default=8)
EVENTS_RETRY_BASE_SECONDS = env.float("EVENTS_RETRY_BASE_SECONDS", default=2.0)
EVENTS_RETRY_MAX_SECONDS = env.float("EVENTS_RETRY_MAX_SECONDS", default=600.0)

# Webhooks (docs/events.md): each request's whole time limit, the retry window and its backoff,
# and which addresses a subscription may reach besides public https hosts.
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
WEBHOOK_RETRY_HOURS = env.float("WEBHOOK_RETRY_HOURS", default=24.0)
WEBHOOK_RETRY_BASE_SECONDS = env.float("WEBHOOK_RETRY_BASE_SECONDS", default=30.0)
WEBHOOK_RETRY_MAX_INTERVAL_SECONDS = env.float("WEBHOOK_RETRY_MAX_INTERVAL_SECONDS", default=3600.0)
WEBHOOK_SWEEP_SECONDS = env.float("WEBHOOK_SWEEP_SECONDS", default=15.0)
WEBHOOK_RUN_SECONDS = env.float("WEBHOOK_RUN_SECONDS", default=60.0)  # one worker run per schema, at most
WEBHOOK_ALLOWED_NETWORKS = env.list("WEBHOOK_ALLOWED_NETWORKS", default=[])  # e.g. 10.20.0.0/16
WEBHOOK_ALLOW_LOCALHOST = env.bool("WEBHOOK_ALLOW_LOCALHOST", default=DEBUG)  # plain http to this machine

if env.str("EMAIL_URL", default="") == "outbox://":
    # The local outbox (hamaynk.mail_outbox, the default of `hamaynk run`): messages are kept under
    # the data folder and read on the console's and the staff area's outbox pages.
    EMAIL_BACKEND = "hamaynk.mail_outbox.OutboxEmailBackend"
else:
    EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
    vars().update(EMAIL_CONFIG)
# The local outbox's folder; without it, outbox/ in the data folder.
EMAIL_OUTBOX_DIR = env.str("EMAIL_OUTBOX_DIR", default="") or None
SMS_BACKEND = env.str("SMS_BACKEND", default="hamaynk.sms.LoggingSmsBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@hamaynk.localhost")

PROVISIONING_TEMPLATES_DIR = Path(
    env.str("PROVISIONING_TEMPLATES_DIR", default=str(paths.provisioning_templates_dir()))
)
PROVISIONING_DEFAULT_TEMPLATE = env.str("PROVISIONING_DEFAULT_TEMPLATE", default="armenia-community")
# Names a municipality's slug may never take: they are hosts the platform keeps for itself.
RESERVED_SLUGS = {
    "www",
    "admin",
    "public",
    "api",
    "static",
    "media",
    "mail",
    "smtp",
    "ftp",
    "console",
    "ministry",
    "platform",
    "hamaynk",
    "golden",
    "test",
    "staging",
    "status",
    "docs",
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
# A form sent without its token gets a page in the site's look (hamaynk/csrf_failure.html).
CSRF_FAILURE_VIEW = "hamaynk.errors.csrf_failure"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LOG_FORMAT = env.str("LOG_FORMAT", default="console")
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING_CONFIG = None
from hamaynk.tenancy.logging import configure_logging  # noqa: E402

configure_logging(LOG_FORMAT, LOG_LEVEL)

# ---------------------------------------------------------------------------------------------
# Production: probes, metrics, error reports, TLS behind a proxy, HSTS, CSP, Redis
# (hamaynk.monitoring, hamaynk.proxies; docs/running.md, "Health, metrics and errors" and
# "Behind a TLS proxy"). Kept together so the rest of the file can change around it.
# ---------------------------------------------------------------------------------------------
from csp.constants import NONCE, NONE, SELF  # noqa: E402

# First the proxy's word on the client (only from TRUSTED_PROXIES), then /healthz, /readyz and
# /metrics before any routing, then request metrics around everything else.
MIDDLEWARE = [
    "hamaynk.proxies.TrustedProxyMiddleware",
    "hamaynk.monitoring.middleware.OperatorEndpointsMiddleware",
    "hamaynk.monitoring.middleware.RequestMetricsMiddleware",
    *MIDDLEWARE,
]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "hamaynk.csp.HamaynkCSPMiddleware"
)
TEMPLATES[0]["OPTIONS"]["context_processors"].append("csp.context_processors.nonce")

READINESS_TIMEOUT = env.float("READINESS_TIMEOUT", default=2.0)  # seconds for all checks together
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# prometheus_client takes an empty PROMETHEUS_MULTIPROC_DIR for the working directory and fills it
# with its files; empty means unset here (`hamaynk web` then makes a folder of its own).
if os.environ.get("PROMETHEUS_MULTIPROC_DIR") == "":
    del os.environ["PROMETHEUS_MULTIPROC_DIR"]
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.0/8", "::1/128"])
METRICS_OUTBOX_SCHEMAS = env.int("METRICS_OUTBOX_SCHEMAS", default=100)  # outboxes read per scrape, at most

# Behind a reverse proxy that terminates TLS: the proxies' addresses (CIDR), whose
# X-Forwarded-For and X-Forwarded-Proto are believed; from anyone else they are dropped.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=SESSION_COOKIE_SECURE)

# Content-Security-Policy (django-csp): scripts and style sheets from our own origin, inline
# ones only with the response's nonce; images also from the file store (signed S3 links).
_storage_origin = []
if STORAGE_BACKEND == "s3" and AWS_S3_ENDPOINT_URL:
    from urllib.parse import urlsplit as _urlsplit

    _storage_origin = ["{0.scheme}://{0.netloc}".format(_urlsplit(AWS_S3_ENDPOINT_URL))]
elif STORAGE_BACKEND == "s3":
    _storage_origin = [f"https://{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com", "https://*.amazonaws.com"]
_csp = {
    "EXCLUDE_URL_PREFIXES": [],
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:", "blob:", *_storage_origin, *env.list("CSP_EXTRA_IMG_SRC", default=[])],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "frame-ancestors": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    },
}
if env.str("CSP_REPORT_URI", default=""):
    _csp["DIRECTIVES"]["report-uri"] = [env.str("CSP_REPORT_URI")]
if env.bool("CSP_REPORT_ONLY", default=False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _csp
else:
    CONTENT_SECURITY_POLICY = _csp

# Wagtail's admin shows no Gravatar pictures: they would send a hash of every staff member's
# email address to a third party (and the policy above allows no image from there).
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# Redis as the cache (CACHE_URL=redis://host:6379/0): a cache that does not answer fails a
# request's lookup after CACHE_TIMEOUT_SECONDS instead of holding it.
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"].setdefault("OPTIONS", {})
    CACHES["default"]["OPTIONS"].setdefault("socket_connect_timeout", env.float("CACHE_TIMEOUT_SECONDS", default=2.0))
    CACHES["default"]["OPTIONS"].setdefault("socket_timeout", env.float("CACHE_TIMEOUT_SECONDS", default=2.0))

# Error reports (optional): SENTRY_DSN switches them on.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from hamaynk.monitoring.sentry import init as _init_sentry

    _init_sentry(
        SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        release=env.str("SENTRY_RELEASE", default=None),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

# ---------------------------------------------------------------------------------------------
# The anonymous page cache (hamaynk.pagecache; docs/website.md, "The page cache"): a
# municipality's public pages kept whole in the shared cache for visitors who are not signed in,
# stale as soon as anything they may show changes. Kept together so the rest can change around it.
# ---------------------------------------------------------------------------------------------
INSTALLED_APPS.append("hamaynk.pagecache")
# On by default only with a cache that every process shares (Redis, a file cache): with a
# local-memory cache, a change made in a worker or in another web process could not reach the
# pages this process keeps.
PAGE_CACHE = env.bool("PAGE_CACHE", default=not CACHES["default"]["BACKEND"].endswith(("LocMemCache", "DummyCache")))
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=300)  # the longest a page is kept
PAGE_CACHE_MAX_BYTES = env.int("PAGE_CACHE_MAX_BYTES", default=1024 * 1024)  # larger answers are not kept
# Paths never cached (prefixes): staff, editing, the console, the APIs, the language switch,
# online applications and their confirmation, tracking and verification, downloads, files.
PAGE_CACHE_EXCLUDED_PATHS = env.list(
    "PAGE_CACHE_EXCLUDED_PATHS",
    default=[
        "/staff/",
        "/cms/",
        "/console/",
        "/api/",
        "/i18n/",
        "/apply/",
        "/track/",
        "/verify/",
        "/documents/",
        "/media/",
        "/static/",
        "/_util/",
        "/healthz",
        "/readyz",
        "/metrics",
    ],
)
# Right inside the CSP middleware: a hit skips sessions, CSRF, language and authentication, and
# its header is still written with a fresh nonce.
MIDDLEWARE.insert(
    next((i + 1 for i, name in enumerate(MIDDLEWARE) if name.endswith("CSPMiddleware")), len(MIDDLEWARE)),
    "hamaynk.pagecache.middleware.PageCacheMiddleware",
)
