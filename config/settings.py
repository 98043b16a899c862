"""Doorstep settings: driven by environment variables, working with none set.

With no environment: a SQLite file database (``var/doorstep.sqlite3``), zh-Hans first with English,
time zone Asia/Shanghai, DEBUG off. ``DATABASE_URL`` switches to PostgreSQL.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DOORSTEP_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("DJANGO_DEBUG")
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or "doorstep-insecure-local-key-change-me-in-production"
ALLOWED_HOSTS = [
    h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "doorstep.core",  # before django_tasks_db: its ``db_worker`` (with the beat) replaces the library's
    "django_tasks_db",
    "doorstep.network",
    "doorstep.customers",
    "doorstep.catalog",
    "doorstep.orders",
    "doorstep.dispatch",
    "doorstep.visits",
    "doorstep.parts",
    "doorstep.quality",
    "doorstep.notify",
    "doorstep.channels",
    "doorstep.api",
    "doorstep.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "doorstep.core.middleware.InputHygieneMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "doorstep.core.middleware.ConflictMiddleware",  # a conflict that escaped a view: 409, not 500
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "doorstep" / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "doorstep.web.context.nav",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'doorstep.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A busy timeout and IMMEDIATE transactions let the web server and the worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # a file (not memory) so the live server's threads share it; one per process so runs never collide
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {
    "default": {
        "BACKEND": os.environ.get("DOORSTEP_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# The background worker (``manage.py db_worker``, doorstep.core.periodic): every deadline is a row that the
# sweep acts on once; the worker's beat enqueues the sweep, and reclaims what a dead worker left running.
DOORSTEP_BEAT_SECONDS = float(os.environ.get("DOORSTEP_BEAT_SECONDS", "15"))  # how often the beat looks
DOORSTEP_SWEEP_SECONDS = float(os.environ.get("DOORSTEP_SWEEP_SECONDS", "60"))  # deadlines sweep period
DOORSTEP_DAILY_SECONDS = float(os.environ.get("DOORSTEP_DAILY_SECONDS", "86400"))  # early-warning scan period
DOORSTEP_TASK_LEASE_SECONDS = float(
    os.environ.get("DOORSTEP_TASK_LEASE_SECONDS", "900")
)  # dead worker's task
DOORSTEP_TASK_MAX_RECLAIMS = int(os.environ.get("DOORSTEP_TASK_MAX_RECLAIMS", "3"))  # then the task is failed
DOORSTEP_PLAN_LEASE_SECONDS = float(os.environ.get("DOORSTEP_PLAN_LEASE_SECONDS", "1800"))  # PlanRun RUNNING
DOORSTEP_DEADLINE_MAX_ATTEMPTS = int(os.environ.get("DOORSTEP_DEADLINE_MAX_ATTEMPTS", "5"))  # failed actions
# crash tests only: seconds to wait inside each deadline's transaction after its action
DOORSTEP_DEADLINE_ACT_PAUSE_S = float(os.environ.get("DOORSTEP_DEADLINE_ACT_PAUSE_S", "0"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("DOORSTEP_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Public base URL used in links sent to customers (tracking page, QR codes).
DOORSTEP_PUBLIC_URL = os.environ.get("DOORSTEP_PUBLIC_URL", "http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DOORSTEP_LOG_LEVEL", "WARNING")},
    "loggers": {
        "doorstep": {"level": os.environ.get("DOORSTEP_LOG_LEVEL", "INFO")},
        "django_tasks_db": {"level": os.environ.get("DOORSTEP_WORKER_LOG_LEVEL", "WARNING")},
        "django.tasks": {"level": os.environ.get("DOORSTEP_WORKER_LOG_LEVEL", "WARNING")},
    },
}
