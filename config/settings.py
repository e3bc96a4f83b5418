"""The one settings module: every deployment knob comes from the environment.

Defaults run the embedded demo (SQLite, in-process channel layer, one daphne
process). Province scale sets DATABASE_URL and REDIS_URL; see README.md.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.conf.locale import LANG_INFO
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    return os.getenv(name, default).strip().lower() in ("1", "true", "yes", "on")


def envint(name: str, default: str) -> int:
    return int(os.getenv(name, default))


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", "True")
# The development key only ever signs demo sessions; production must set SECRET_KEY.
SECRET_KEY = os.getenv("SECRET_KEY", "dev-only-insecure-key-change-me-in-production-0123456789")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
SITE_ROOT = os.getenv("SITE_ROOT", "http://localhost:8000")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "community",
    "question_banks",
    "contest",
    "certification",
    "indicators",
    "frontend_templates",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "frontend_templates.middleware.VietnameseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: keeps the chain above in one thread under ASGI (see the module).
    "config.sync_middleware_chain.SyncMiddlewareChain",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Data stores -----------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.getenv("DATABASE_URL", f"sqlite:///{BASE_DIR / 'hocvuso.sqlite3'}"),
    )
}
# Under daphne every request runs in a thread of its own, so persistent connections
# (CONN_MAX_AGE) pile up instead of being reused; a pool bounds and reuses them.
DB_POOL_SIZE = envint("DB_POOL_SIZE", "0")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DB_POOL_SIZE:
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 2,
        "max_size": DB_POOL_SIZE,
        "timeout": envint("DB_POOL_TIMEOUT", "10"),
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the demo's readers and the single writer overlap.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.getenv("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "capacity": 1500, "expiry": 30},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.getenv("CACHE_PREFIX", "hocvuso"),
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# How live games reach their sockets: "process" (one Redis PUBLISH per event, fanned
# out by each daphne process) or "groups" (Channels groups); see contest/live/fanout.py.
LIVE_FANOUT = os.getenv("LIVE_FANOUT", "process")

# Multiplies every rate limit (community/rate_limits.py); 1 in production unless a
# venue shares one public address. The load benchmark raises it for its own servers.
RATE_LIMIT_SCALE = float(os.getenv("RATE_LIMIT_SCALE", "1"))

# HTTP requests a worker lets into Django at once, and how many may wait before it
# sheds load with 503 (contest/asynchronous/backpressure.py; 0 = its default).
DJANGO_CONCURRENCY = envint("DJANGO_CONCURRENCY", "0")
DJANGO_MAX_WAITING = envint("DJANGO_MAX_WAITING", "0")

# --- People and privacy ----------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Personal data (citizen ID, phone, date of birth) is encrypted with Fernet keys
# from the environment: a comma-separated list, newest first, so keys rotate.
# A separate key makes the keyed hashes used for de-duplication and look-up.
# The defaults below are for the demo only; `check --deploy` rejects them.
DEV_PII_ENCRYPTION_KEY = "ZGV2LW9ubHktcGlpLWtleS1kby1ub3QtdXNlLTAwMDA="
DEV_PII_HASH_KEY = "dev-only-pii-hash-key"
PII_ENCRYPTION_KEYS = envlist("PII_ENCRYPTION_KEYS", DEV_PII_ENCRYPTION_KEY)
PII_HASH_KEY = os.getenv("PII_HASH_KEY", DEV_PII_HASH_KEY)

# --- Certificates ------------------------------------------------------------
# The issuer is a did:web: its DID document is served at /.well-known/did.json.
# did:web writes a port as %3A (did:web:localhost%3A8000), so the default follows SITE_ROOT.
ISSUER_DOMAIN = os.getenv("ISSUER_DOMAIN", urlsplit(SITE_ROOT).netloc.replace(":", "%3A"))
ISSUER_NAME = os.getenv(
    "ISSUER_NAME",
    "Ban Chỉ đạo về phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số tỉnh Lào Cai",
)
# The short issuer id inside the paper QR (at most 16 bytes).
CERT_QR_ISSUER = os.getenv("CERT_QR_ISSUER", "LCI")
# Serial prefix: LC-2026-000123.
CERT_SERIAL_PREFIX = os.getenv("CERT_SERIAL_PREFIX", "LC")
# Private keys live only in this directory, as PKCS#8 PEM files encrypted with the
# passphrase below; the database holds public keys only. Git-ignored.
CERT_KEY_DIR = Path(os.getenv("CERT_KEY_DIR", str(BASE_DIR / "keys")))
DEV_CERT_KEY_PASSPHRASE = "dev-only-certificate-key-passphrase"  # noqa: S105
CERT_KEY_PASSPHRASE = os.getenv("CERT_KEY_PASSPHRASE", DEV_CERT_KEY_PASSPHRASE)
# How long a placement-level certificate stays valid (0: no expiry). Contest
# participation and prizes record an event and never expire.
CERT_PLACEMENT_VALID_DAYS = envint("CERT_PLACEMENT_VALID_DAYS", str(2 * 365))

# --- Languages ---------------------------------------------------------------
LANGUAGE_CODE = "vi"
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# Languages questions can be translated into, and the interface's languages too.
# No CLDR locale exists for the minority languages: Django learns their names from
# LANG_INFO below, every string without a translation of its own falls back to the
# Vietnamese msgid, and dates and numbers use Vietnamese formats (FORMAT_MODULE_PATH).
CONTENT_LANGUAGES = [
    ("vi", _("Tiếng Việt")),
    ("en", _("English")),
    ("hmn", _("Tiếng H'Mông")),
    ("tay", _("Tiếng Tày")),
    ("dao", _("Tiếng Dao")),
    ("giay", _("Tiếng Giáy")),
    ("nung", _("Tiếng Nùng")),
    ("thai", _("Tiếng Thái")),
]
LANGUAGES = CONTENT_LANGUAGES
# name_local is what the language switch shows: each language's own name for itself.
for _code, _name, _local in (
    ("hmn", "Hmong", "Hmoob"),
    ("tay", "Tày", "Tày"),
    ("dao", "Dao", "Dao"),
    ("giay", "Giáy", "Giáy"),
    ("nung", "Nùng", "Nùng"),
    ("thai", "Thái", "Thái"),
):
    LANG_INFO.setdefault(
        _code,
        {"bidi": False, "code": _code, "name": _name, "name_local": _local, "fallback": ["vi"]},
    )
# Django spells "Tiếng Việt" with combining accents, which old phone fonts misplace.
LANG_INFO["vi"] = {**LANG_INFO["vi"], "name_local": "Tiếng Việt"}
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["frontend_templates.formats"]
# The language switch is remembered on the device for a year (and on the participant).
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600

# --- Static and media ------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.getenv("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.getenv("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
# Question-bank uploads (CSV, XLSX, Moodle XML) stay small.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- API -------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "hocvuso API",
    "DESCRIPTION": "Question banks, contests and certificates of Bình dân học vụ số, Lào Cai.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Security (production values when DEBUG is off) -------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", str(not DEBUG))
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000")
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "False")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SILENCED_SYSTEM_CHECKS = envlist("SILENCED_SYSTEM_CHECKS", "")
if SECURE_HSTS_SECONDS and not SECURE_HSTS_PRELOAD:
    # Preloading is a one-way door for the province's domain; opt in explicitly.
    SILENCED_SYSTEM_CHECKS.append("security.W021")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "INFO")},
}
