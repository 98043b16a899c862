"""Doorstep settings: driven by environment variables.

Two modes. **Production** is the default: it refuses to start without ``DJANGO_SECRET_KEY`` (a strong one)
and ``DJANGO_ALLOWED_HOSTS``, and is https-only (HSTS, secure cookies, redirect to https) so that
``manage.py check --deploy`` is clean. **Development** is ``DOORSTEP_ENV=dev`` (or ``test``), which
``scripts/demo``, ``scripts/test`` and the test suite set: a fixed local key, localhost hosts, plain http.

Otherwise with no environment: a SQLite file database (``var/doorstep.sqlite3``), zh-Hans first with
English, time zone Asia/Shanghai, DEBUG off. ``DATABASE_URL`` switches to PostgreSQL. README.md,
"Deployment", lists every variable.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DOORSTEP_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Development is an explicit choice; anything else (the variable unset included) is production.
DOORSTEP_ENV = os.environ.get("DOORSTEP_ENV", "production").strip().lower()
DEVELOPMENT = DOORSTEP_ENV in {"dev", "development", "test"}
PRODUCTION = not DEVELOPMENT

DEBUG = _env_bool("DJANGO_DEBUG")


def _secret_key() -> str:
    """The signing key (sessions, CSRF, the customers' tracking links): production needs a strong one."""
    key = os.environ.get("DJANGO_SECRET_KEY", "")
    if DEVELOPMENT:
        return key or "doorstep-dev-only-key-never-used-in-production-0123456789"
    if not key:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set: production refuses to start without its own secret key "
            "(signed tracking links could be forged). Set DJANGO_SECRET_KEY, or DOORSTEP_ENV=dev for a "
            "local development run."
        )
    if (
        len(key) < SECRET_KEY_MIN_LENGTH
        or len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
        or key.startswith(SECRET_KEY_INSECURE_PREFIX)
    ):
        raise ImproperlyConfigured(
            f"DJANGO_SECRET_KEY is too weak: production needs at least {SECRET_KEY_MIN_LENGTH} characters "
            f"with at least {SECRET_KEY_MIN_UNIQUE_CHARACTERS} different ones, not starting with "
            f"'{SECRET_KEY_INSECURE_PREFIX}' (python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    return key


SECRET_KEY = _secret_key()
# Old keys still accepted when verifying (rotation): comma-separated.
SECRET_KEY_FALLBACKS = _env_list("DJANGO_SECRET_KEY_FALLBACKS")

if DEVELOPMENT:
    ALLOWED_HOSTS = _env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
else:
    ALLOWED_HOSTS = _env_list("DJANGO_ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "DJANGO_ALLOWED_HOSTS is not set: production refuses to start without the host names it "
            "serves (comma-separated, e.g. service.example.com). Set DOORSTEP_ENV=dev for a local run."
        )
CSRF_TRUSTED_ORIGINS = _env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# https (production defaults; each one can be overridden). Behind a TLS-terminating proxy, name the header
# it sets: DJANGO_SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO=https".
SECURE_SSL_REDIRECT = _env_bool("DJANGO_SECURE_SSL_REDIRECT", PRODUCTION)
_proxy_header = os.environ.get("DJANGO_SECURE_PROXY_SSL_HEADER", "").strip()
if _proxy_header:
    _header, _sep, _value = _proxy_header.partition("=")
    if not _sep or not _header.strip() or not _value.strip():
        raise ImproperlyConfigured(
            "DJANGO_SECURE_PROXY_SSL_HEADER must look like HTTP_X_FORWARDED_PROTO=https."
        )
    SECURE_PROXY_SSL_HEADER = (_header.strip(), _value.strip())
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "31536000" if PRODUCTION else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = _env_bool("DJANGO_SECURE_HSTS_PRELOAD", PRODUCTION)
SESSION_COOKIE_SECURE = _env_bool("DJANGO_SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# How many reverse proxies append to X-Forwarded-For in front of the app: the client's address for the
# rate limits and the login lockout is then that many entries from the right. 0: REMOTE_ADDR.
DOORSTEP_PROXY_COUNT = int(os.environ.get("DOORSTEP_PROXY_COUNT", "0"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # the API docs from its own static files (not a CDN page with an inline script): the CSP
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_ratelimit",
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
    "doorstep.core.observability.RequestIdMiddleware",  # first: every later log line carries the id
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",  # anonymous visitors: the cookie, else Accept-Language
    "django.middleware.common.CommonMiddleware",
    "doorstep.core.middleware.InputHygieneMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "doorstep.web.language.StaffLanguageMiddleware",  # signed in: the profile's language, not the browser's
    "django_otp.middleware.OTPMiddleware",
    "doorstep.core.ratelimit.PublicRateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "doorstep.core.middleware.ConflictMiddleware",  # a conflict that escaped a view: 409, not 500
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

# Content Security Policy (Django's own): scripts only from this site or an inline <script> carrying the
# page's nonce (``nonce="{{ csp_nonce }}"``); no inline event handlers (onclick=…). Styles allow
# 'unsafe-inline' because templates use style="…" attributes (and htmx adds its indicator style).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "media-src": [CSP.SELF, "blob:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

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
                "django.template.context_processors.csp",
                "doorstep.web.context.nav",
            ],
        },
    },
]

# PostgreSQL connections are kept by each process for a minute (checked before reuse) instead of opened per
# request: opening one (a new server process) cost more than the whole intake of an order on a busy machine
# (docs/benchmarks.md, "Intake at scale"). DATABASE_CONN_MAX_AGE=0 opens one per request again.
_DEFAULT_DB_URL = os.environ.get("DATABASE_URL", "")
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'doorstep.sqlite3'}",
        conn_max_age=int(
            os.environ.get("DATABASE_CONN_MAX_AGE", "60" if _DEFAULT_DB_URL.startswith("postgres") else "0")
        ),
        conn_health_checks=True,
    )
}
# No JIT compilation on PostgreSQL: a page's query over a few thousand rows (a queue ranked by its
# deadlines) passes the planner's JIT cost threshold and spent 20-100 ms compiling, more than it runs
# (docs/benchmarks.md, "Pages at 100k open orders"). PgBouncer drops startup options: there, set it on the
# database (ALTER DATABASE … SET jit = off; scripts/stack and docs/deploy.md do).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
# Behind PgBouncer in transaction pooling (DOORSTEP_PGBOUNCER=1): consecutive transactions of one connection
# may reach different server sessions, so no server-side cursors and no prepared statements kept by name.
DOORSTEP_PGBOUNCER = _env_bool("DOORSTEP_PGBOUNCER")
if DOORSTEP_PGBOUNCER and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None
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

# Background tasks go through Django's task interface (``django.tasks``) only. DOORSTEP_TASKS picks the
# engine: ``db`` (the embedded default: django-tasks-db, run by ``manage.py db_worker`` with its beat) or
# ``celery`` (a broker at CELERY_BROKER_URL, RabbitMQ or Redis; ``celery -A config worker`` and ``celery -A
# config beat``: config/celery.py, doorstep/core/tasks_celery.py, docs/deploy.md "Topology").
DOORSTEP_TASKS = os.environ.get("DOORSTEP_TASKS", "db").strip().lower()
TASKS: dict[str, dict[str, Any]]
if DOORSTEP_TASKS == "db":
    TASKS = {
        "default": {
            "BACKEND": os.environ.get("DOORSTEP_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        }
    }
elif DOORSTEP_TASKS == "celery":
    CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
    if not CELERY_BROKER_URL.startswith(("amqp://", "amqps://", "redis://", "rediss://")):
        raise ImproperlyConfigured(
            "DOORSTEP_TASKS=celery needs CELERY_BROKER_URL: amqp://guest:guest@127.0.0.1:5672// (RabbitMQ) "
            "or redis://127.0.0.1:6379/0."
        )
    # A task held longer than this by the broker is parked in the database instead and handed to Celery
    # when it nears its time (RabbitMQ's consumer timeout, Redis's visibility timeout: both are well above).
    DOORSTEP_CELERY_PARK_SECONDS = float(os.environ.get("DOORSTEP_CELERY_PARK_SECONDS", "600"))
    TASKS = {
        "default": {
            "BACKEND": "doorstep.core.tasks_celery.CeleryBackend",
            "OPTIONS": {"CELERY_APP": "config.celery.app", "PARK_BACKEND": "parked"},
        },
        # run_after beyond the parking horizon: kept as rows here, released by the sweeps job
        "parked": {"BACKEND": "django_tasks_db.DatabaseBackend"},
    }
    CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "doorstep")
    # a task is acknowledged after it ran, and handed to another worker when its worker dies mid-run
    CELERY_TASK_ACKS_LATE = True
    CELERY_TASK_REJECT_ON_WORKER_LOST = True
    CELERY_WORKER_PREFETCH_MULTIPLIER = 1
    CELERY_TASK_IGNORE_RESULT = True  # effects live in the database; nothing reads a task's return value
    CELERY_RESULT_BACKEND = None
    CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
    # Redis only: an unacknowledged task goes back to the queue after this long (longer than any task runs)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
    }
    CELERY_WORKER_HIJACK_ROOT_LOGGER = False
    CELERY_TIMEZONE = "UTC"
else:
    raise ImproperlyConfigured("DOORSTEP_TASKS must be db (the default) or celery.")

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
# Big tables (PostgreSQL; doorstep.core.partitions, docs/deploy.md "Partitions and archive"): the order
# events and the notification messages are partitioned by month. The daily job creates the months ahead
# and archives (gzip CSV under DOORSTEP_ARCHIVE_DIR, then drops) every month that ended more than the
# table's hot months before the current one; 0 keeps every month hot.
DOORSTEP_PARTITION_AHEAD_MONTHS = int(os.environ.get("DOORSTEP_PARTITION_AHEAD_MONTHS", "3"))
DOORSTEP_EVENTS_HOT_MONTHS = int(os.environ.get("DOORSTEP_EVENTS_HOT_MONTHS", "24"))
DOORSTEP_MESSAGES_HOT_MONTHS = int(os.environ.get("DOORSTEP_MESSAGES_HOT_MONTHS", "12"))
DOORSTEP_ARCHIVE_DIR = Path(os.environ.get("DOORSTEP_ARCHIVE_DIR", VAR_DIR / "archive"))
# crash tests only: seconds to wait inside each deadline's transaction after its action
DOORSTEP_DEADLINE_ACT_PAUSE_S = float(os.environ.get("DOORSTEP_DEADLINE_ACT_PAUSE_S", "0"))

# Cache: rate limits and throttles count here. Without DOORSTEP_CACHE_URL each process counts alone
# (fine for development); production should point it at Redis (redis://host:6379/0) so that every web
# worker shares the counts (``check --deploy`` warns otherwise).
DOORSTEP_CACHE_URL = os.environ.get("DOORSTEP_CACHE_URL", "").strip()
if DOORSTEP_CACHE_URL:
    if not DOORSTEP_CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("DOORSTEP_CACHE_URL must be a Redis URL (redis://host:6379/0).")
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DOORSTEP_CACHE_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "doorstep"}}
SILENCED_SYSTEM_CHECKS = [
    # django-ratelimit lists only memcached and django-redis; Django's own RedisCache increments atomically.
    "django_ratelimit.W001",
    # a per-process cache: doorstep.W001 (a deployment check) says so instead of refusing every command
    "django_ratelimit.E003",
    # DOORSTEP_TASKS=celery keeps no result backend: tasks act on the database, nothing waits on a result
    "django_tasks_celery.W001",
    "django_tasks_celery.W002",
]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # covering indexes (INCLUDE) are a PostgreSQL read path of the 100k-order pages; SQLite indexes the key
    # columns alone, which is what the embedded default needs
    SILENCED_SYSTEM_CHECKS.append("models.W040")

# Rate limits on the public endpoints (doorstep.core.ratelimit), per client address: "<count>/<s|m|h|d>".
DOORSTEP_RATE_LIMITS = {
    "track": os.environ.get("DOORSTEP_RATE_TRACK", "60/m"),  # customers' tracking links (t/, visits/r/ …)
    "book": os.environ.get("DOORSTEP_RATE_BOOK", "30/m"),  # self-booking pages (book/<brand>/)
    "wechat": os.environ.get("DOORSTEP_RATE_WECHAT", "600/m"),  # WeChat webhook (hooks/wechat/<brand>/)
    "partner_api": os.environ.get("DOORSTEP_RATE_PARTNER_API", "120/m"),  # per partner account (api/partner/)
}
NINJA_NUM_PROXIES = DOORSTEP_PROXY_COUNT

# Login lockout (django-axes): after this many failed logins for one user name from one address, that
# pair is locked out for the cool-off period; a successful login resets the count.
AUTHENTICATION_BACKENDS = [
    "doorstep.core.auth.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("DOORSTEP_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("DOORSTEP_LOGIN_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "doorstep.core.ratelimit.client_ip"
AXES_LOCKOUT_CALLABLE = "doorstep.web.login.locked_out"
AXES_VERBOSE = False

# Two-factor login (django-otp): a staff member with a confirmed TOTP device enters its code at login.
# DOORSTEP_ADMIN_REQUIRE_OTP=1 also closes the admin site to sessions not verified that way.
DOORSTEP_ADMIN_REQUIRE_OTP = _env_bool("DOORSTEP_ADMIN_REQUIRE_OTP")
OTP_TOTP_ISSUER = os.environ.get("DOORSTEP_OTP_ISSUER", "Doorstep")

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
# MEDIA_ROOT is not under STATIC_ROOT and no URL pattern serves it: kept uploads are handed out only by
# views that check the order's visibility (doorstep/core/uploads.py).

# Notifications (doorstep/notify; README "Messages to customers"): the outbox is delivered by the worker's
# periodic job every DOORSTEP_NOTIFY_SECONDS. Providers per channel, tried in order (failover):
# console (the demo: nothing leaves the machine), aliyun, tencent (SMS), wechat (service account), webhook.
DOORSTEP_NOTIFY_SECONDS = float(os.environ.get("DOORSTEP_NOTIFY_SECONDS", "10"))


DOORSTEP_NOTIFY_PROVIDERS = {
    "sms": _env_list("DOORSTEP_SMS_PROVIDERS", "console"),  # e.g. "aliyun,tencent"
    "wechat": _env_list("DOORSTEP_WECHAT_PROVIDERS", "console"),  # e.g. "wechat"
    "webhook": ["webhook"],
}
DOORSTEP_NOTIFY = {
    "max_attempts": int(os.environ.get("DOORSTEP_NOTIFY_MAX_ATTEMPTS", "6")),  # then the message is dead
    "backoff_seconds": float(os.environ.get("DOORSTEP_NOTIFY_BACKOFF_SECONDS", "30")),  # doubled each retry
    "backoff_max_seconds": float(os.environ.get("DOORSTEP_NOTIFY_BACKOFF_MAX_SECONDS", "3600")),
    "lease_seconds": float(os.environ.get("DOORSTEP_NOTIFY_LEASE_SECONDS", "120")),  # a claimed message
    "timeout_seconds": float(os.environ.get("DOORSTEP_NOTIFY_TIMEOUT_SECONDS", "10")),  # one provider call
}
# Credentials come from the environment only (never from the repository).
DOORSTEP_ALIYUN_SMS = {
    "access_key_id": os.environ.get("DOORSTEP_ALIYUN_ACCESS_KEY_ID", ""),
    "access_key_secret": os.environ.get("DOORSTEP_ALIYUN_ACCESS_KEY_SECRET", ""),
    "endpoint": os.environ.get("DOORSTEP_ALIYUN_SMS_ENDPOINT", "dysmsapi.aliyuncs.com"),
    "protocol": os.environ.get("DOORSTEP_ALIYUN_SMS_PROTOCOL", "https"),
}
DOORSTEP_TENCENT_SMS = {
    "secret_id": os.environ.get("DOORSTEP_TENCENT_SECRET_ID", ""),
    "secret_key": os.environ.get("DOORSTEP_TENCENT_SECRET_KEY", ""),
    "sdk_app_id": os.environ.get("DOORSTEP_TENCENT_SMS_APP_ID", ""),
    "region": os.environ.get("DOORSTEP_TENCENT_SMS_REGION", "ap-guangzhou"),
    "endpoint": os.environ.get("DOORSTEP_TENCENT_SMS_ENDPOINT", "sms.tencentcloudapi.com"),
    "protocol": os.environ.get("DOORSTEP_TENCENT_SMS_PROTOCOL", "https"),
}
DOORSTEP_WECHAT_MP = {
    "app_id": os.environ.get("DOORSTEP_WECHAT_APP_ID", ""),
    "app_secret": os.environ.get("DOORSTEP_WECHAT_APP_SECRET", ""),
    "api_base": os.environ.get("DOORSTEP_WECHAT_API_BASE", "https://api.weixin.qq.com/cgi-bin/"),
}
# Signature and pre-registered template codes per service centre (by its code) over "default", as JSON:
# {"default": {"sign": "…", "aliyun": {"order_received": "SMS_1"}, "tencent": {"order_received": "1"},
#  "wechat": {"order_received": "tmpl-id"}}, "SH": {"sign": "…"}}
# The SMS providers' delivery reports are posted to hooks/sms/<provider>/<this token>/ (empty: refused).
DOORSTEP_SMS_CALLBACK_TOKEN = os.environ.get("DOORSTEP_SMS_CALLBACK_TOKEN", "")
DOORSTEP_SMS_CENTRES = json.loads(os.environ.get("DOORSTEP_SMS_CENTRES", "{}") or "{}")


def _secret(name: str) -> str:
    """A key from the environment: its text, or the contents of the file named by ``<name>_FILE``."""
    path = os.environ.get(f"{name}_FILE", "")
    if path:
        return Path(path).read_text()
    return os.environ.get(name, "")


# Payments (README "Payments"): "console" (the demo: nothing leaves the machine, payments succeed at once)
# or "live" (WeChat Pay API v3 and Alipay through their SDKs; the order is paid only when the provider's
# verified notification, or a verified query, says so). Credentials come from the environment only.
DOORSTEP_PAYMENTS: dict[str, Any] = {
    "mode": os.environ.get("DOORSTEP_PAYMENTS_MODE", "console"),
    "notice_max_age_seconds": float(os.environ.get("DOORSTEP_PAY_NOTICE_MAX_AGE_SECONDS", "300")),
    "query_after_seconds": float(os.environ.get("DOORSTEP_PAY_QUERY_AFTER_SECONDS", "120")),
    "wechat": {
        "mch_id": os.environ.get("DOORSTEP_WECHATPAY_MCH_ID", ""),
        "app_id": os.environ.get("DOORSTEP_WECHATPAY_APP_ID", ""),
        "api_v3_key": _secret("DOORSTEP_WECHATPAY_API_V3_KEY"),
        "serial_no": os.environ.get("DOORSTEP_WECHATPAY_SERIAL_NO", ""),  # the merchant certificate's
        "private_key": _secret("DOORSTEP_WECHATPAY_PRIVATE_KEY"),  # apiclient_key.pem
        "public_key": _secret("DOORSTEP_WECHATPAY_PUBLIC_KEY"),  # 微信支付公钥 (pub_key.pem)
        "public_key_id": os.environ.get("DOORSTEP_WECHATPAY_PUBLIC_KEY_ID", ""),  # PUB_KEY_ID_…
        "notify_url": os.environ.get("DOORSTEP_WECHATPAY_NOTIFY_URL", ""),  # https://…/hooks/pay/wechat/
        "refund_notify_url": os.environ.get("DOORSTEP_WECHATPAY_REFUND_NOTIFY_URL", ""),  # empty: notify_url
        "gateway": os.environ.get("DOORSTEP_WECHATPAY_GATEWAY", ""),  # empty: https://api.mch.weixin.qq.com
    },
    "alipay": {
        "app_id": os.environ.get("DOORSTEP_ALIPAY_APP_ID", ""),
        "private_key": _secret("DOORSTEP_ALIPAY_PRIVATE_KEY"),  # the application's private key (PEM)
        "alipay_public_key": _secret("DOORSTEP_ALIPAY_PUBLIC_KEY"),  # Alipay's public key (PEM)
        "notify_url": os.environ.get("DOORSTEP_ALIPAY_NOTIFY_URL", ""),  # https://…/hooks/pay/alipay/
        "gateway": os.environ.get(
            "DOORSTEP_ALIPAY_GATEWAY", ""
        ),  # empty: https://openapi.alipay.com/gateway.do
    },
}

# Uploads: the content is sniffed and limited per kind (bytes); a request larger than
# DOORSTEP_REQUEST_MAX_BYTES is answered 413 before it is read. Non-file form data above
# DATA_UPLOAD_MAX_MEMORY_SIZE is refused 413 too; files above FILE_UPLOAD_MAX_MEMORY_SIZE spool to disk.
DOORSTEP_UPLOAD_MAX_BYTES = {
    "photo": 10 * 1024 * 1024,
    "document": 10 * 1024 * 1024,
    "import": 5 * 1024 * 1024,
}
DOORSTEP_REQUEST_MAX_BYTES = 12 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = int(2.5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = int(2.5 * 1024 * 1024)
FILE_UPLOAD_PERMISSIONS = 0o640
DATA_UPLOAD_MAX_NUMBER_FILES = 20

# WeChat callbacks: the signed timestamp and the message's CreateTime must be within this many seconds
# of now (either way), and a nonce is accepted once within it (doorstep/channels/wechat.py).
DOORSTEP_WECHAT_WINDOW_SECONDS = 300
WHITENOISE_AUTOREFRESH = DEBUG

# Public base URL used in links sent to customers (tracking page, QR codes).
DOORSTEP_PUBLIC_URL = os.environ.get("DOORSTEP_PUBLIC_URL", "http://127.0.0.1:8000")

# Logs: one JSON object per line in production (DOORSTEP_LOG_FORMAT=json, the default there; "text" for
# people), each with the request id of the request it belongs to (doorstep/core/observability.py).
DOORSTEP_LOG_FORMAT = os.environ.get("DOORSTEP_LOG_FORMAT", "text" if DEVELOPMENT else "json")
if DOORSTEP_LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured("DOORSTEP_LOG_FORMAT must be json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "doorstep.core.observability.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": DOORSTEP_LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DOORSTEP_LOG_LEVEL", "WARNING")},
    "loggers": {
        "doorstep": {"level": os.environ.get("DOORSTEP_LOG_LEVEL", "INFO")},
        # one access line per request: INFO in production, quiet on a developer's console
        "doorstep.request": {
            "level": os.environ.get("DOORSTEP_ACCESS_LOG_LEVEL", "WARNING" if DEVELOPMENT else "INFO")
        },
        "django_tasks_db": {"level": os.environ.get("DOORSTEP_WORKER_LOG_LEVEL", "WARNING")},
        "django.tasks": {"level": os.environ.get("DOORSTEP_WORKER_LOG_LEVEL", "WARNING")},
    },
}

# /metrics answers a bearer of this token; with none set, only a client on loopback (a local Prometheus or
# an nginx in front that forwards from 127.0.0.1).
DOORSTEP_METRICS_TOKEN = os.environ.get("DOORSTEP_METRICS_TOKEN", "")
# health checks and metrics answer on plain http too: load balancers probe the process directly
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

# Error reporting to Sentry or any Sentry-compatible service (GlitchTip, a self-hosted Sentry): off unless
# SENTRY_DSN is set. No personal data is sent (doorstep/core/error_reporting.py, R-PV-1).
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    from doorstep.core import error_reporting

    error_reporting.start(
        SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", DOORSTEP_ENV or "production"),
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
    )
