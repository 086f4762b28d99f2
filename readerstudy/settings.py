"""ReaderStudy settings: one module, driven by environment variables.

Every knob is read through a small typed helper that fails loudly on a bad value, so a typo
in a deployment is an error at start-up rather than a silent default.

Environment:
    DATABASE_URL            dj-database-url (``sqlite:///…`` or ``postgres://…``); default SQLite in var/
    READERSTUDY_MEDIA_ROOT  where the blinded DICOM store and uploads live (default var/media)
    READERSTUDY_UID_KEY     secret for keyed-HMAC pseudonyms (default: the file var/uid_key)
    DJANGO_SECRET_KEY       Django's signing key (default: the file var/secret_key, made once)
    READERSTUDY_DEBUG       "1" for Django's debug mode (default off)
    READERSTUDY_ALLOWED_HOSTS  comma-separated (default 127.0.0.1,localhost,testserver)
    READERSTUDY_TASKS_BACKEND  "database" (default, needs ``manage.py db_worker``) or "immediate"
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("READERSTUDY_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def secret_from_env_or_file(name: str, filename: str, *, create: bool) -> str | None:
    """Read a secret from the environment, else from ``var/<filename>``.

    With ``create`` a missing file is generated once (a local demo convenience); the value is
    then stable across restarts, which matters for the UID key: a new key would give every
    re-imported instance new pseudonymous UIDs.
    """
    value = os.environ.get(name)
    if value:
        return value
    path = VAR_DIR / filename
    if path.exists():
        return path.read_text().strip()
    if not create:
        return None
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    # O_EXCL: two processes starting at once must not write different keys.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


DEBUG = env_bool("READERSTUDY_DEBUG", False)
SECRET_KEY = secret_from_env_or_file("DJANGO_SECRET_KEY", "secret_key", create=True)
# None means "not configured": ingest refuses to run rather than pseudonymise with a throwaway key.
READERSTUDY_UID_KEY = secret_from_env_or_file("READERSTUDY_UID_KEY", "uid_key", create=False)
ALLOWED_HOSTS = env_list("READERSTUDY_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served locally: no CDN at run time
    "django_vite",
    "django_tasks",
    "django_tasks_db",
    "readerstudy.accounts",
    "readerstudy.audit",
    "readerstudy.studies",
    "readerstudy.imaging",
    "grading",
    "inference",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "readerstudy.urls"
WSGI_APPLICATION = "readerstudy.wsgi.application"
ASGI_APPLICATION = "readerstudy.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "readerstudy" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite needs IMMEDIATE transactions: with the default DEFERRED mode, concurrent grade
# submissions fail with "database is locked" on the lock upgrade (handbook reliability §8).
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}


def database_from_env() -> dict:
    url = os.environ.get("DATABASE_URL")
    if url:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    else:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        config = {"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "readerstudy.sqlite3"}
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Persistent: a new SQLite connection per request re-runs the PRAGMAs and checkpoints
        # the WAL on close, which cost more than serving a frame (bench/dicomweb.py).
        config["CONN_MAX_AGE"] = 60
        config["CONN_HEALTH_CHECKS"] = True
        config["OPTIONS"] = {**SQLITE_OPTIONS, **config.get("OPTIONS", {})}
    return config


DATABASES = {"default": database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
# The reading workstation: Vite builds frontend/ into frontend/dist (make demo and make test
# run the build), served under /static/viewer/ from this origin: its decode worker and WASM
# codecs must be same-origin, and nothing loads from a third party.
FRONTEND_DIST = BASE_DIR / "frontend" / "dist"
STATICFILES_DIRS = [BASE_DIR / "readerstudy" / "static", ("viewer", FRONTEND_DIST)]
DJANGO_VITE = {
    "default": {
        "dev_mode": env_bool("READERSTUDY_VITE_DEV", False),
        "manifest_path": FRONTEND_DIST / ".vite" / "manifest.json",
        "static_url_prefix": "viewer",
    }
}


def _vite_hashed(path: str, url: str) -> bool:
    """Vite's own content-hashed names (``index-BkX3a9Zq.js``) may be cached for ever too."""
    return bool(re.search(r"/viewer/assets/.+-[A-Za-z0-9_-]{8}\.\w+$", url))


WHITENOISE_IMMUTABLE_FILE_TEST = _vite_hashed

MEDIA_ROOT = Path(os.environ.get("READERSTUDY_MEDIA_ROOT", VAR_DIR / "media"))
# The blinded store lives under MEDIA_ROOT but is never given a MEDIA_URL: every byte goes
# out through permission-checked views (DICOMweb), never as a static file.
BLINDED_STORE = MEDIA_ROOT / "blinded"
UPLOAD_STAGING = MEDIA_ROOT / "staging"
# One upload request (a zip or several files) may be large; the per-archive limits live in
# READERSTUDY_IMPORT_LIMITS and are checked before anything is imported.
DATA_UPLOAD_MAX_MEMORY_SIZE = 16 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024
READERSTUDY_IMPORT_LIMITS = {
    "max_total_bytes": int(os.environ.get("READERSTUDY_IMPORT_MAX_BYTES", 2 * 1024**3)),
    "max_files": int(os.environ.get("READERSTUDY_IMPORT_MAX_FILES", 20000)),
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header turns "not logged in" into a proper 401.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Every endpoint starts closed; views open up what their role rules allow.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "readerstudy.api_errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 200,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ReaderStudy API",
    "DESCRIPTION": "Blinded radiology reader studies: protocols, cases, sessions, reads.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

TASKS_BACKEND = os.environ.get("READERSTUDY_TASKS_BACKEND", "database")
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[TASKS_BACKEND],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {"readerstudy": {"handlers": ["console"], "level": "INFO"}},
}
