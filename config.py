"""Configuration classes; secrets come from the environment or instance/config.py."""

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
DEFAULT_SECRET_KEY = "dev-only-not-secret"
#: The demo's contact path (development and tests), in the footer of every page.
DEMO_CONTACT_PHONE = "+996 312 000 000"
DEMO_CONTACT_EMAIL = "info@jashtar.example.org"
DEMO_CONTACT_HOURS = {
    "ky": "Дүйшөмбү – жума, 9:00 – 18:00",
    "ru": "Понедельник – пятница, 9:00 – 18:00",
    "uz_Cyrl": "Душанба – жума, 9:00 – 18:00",
    "en": "Monday to Friday, 9:00 – 18:00",
}


def database_url(default: str) -> str:
    """Return DATABASE_URL with the psycopg 3 driver made explicit."""
    url = os.environ.get("DATABASE_URL") or default
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    #: The SQLite file `make run` uses unless DATABASE_URL names another database; the only
    #: one `flask demo-reset` (`make demo-reset`) deletes and rebuilds.
    DEMO_DATABASE_FILE = str(BASE_DIR / "instance" / "portal.db")
    SQLALCHEMY_DATABASE_URI = database_url(f"sqlite:///{DEMO_DATABASE_FILE}")
    # Parameters are people's data (names, phones, answers): never in errors or logs.
    # portal/database.py adds the timeouts below for the database in use.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}
    #: Seconds to wait for PostgreSQL to answer a new connection (libpq connect_timeout; at
    #: least 2). A database that hangs then costs a page this long, not the TCP timeout (75 s).
    DB_CONNECT_TIMEOUT = int(os.environ.get("DB_CONNECT_TIMEOUT", "5"))
    #: Seconds one SQL statement may run (PostgreSQL statement_timeout). Under gunicorn's
    #: 30-second worker timeout, so a runaway query gives a "try again" page, not a killed worker.
    DB_STATEMENT_TIMEOUT = int(os.environ.get("DB_STATEMENT_TIMEOUT", "15"))
    #: Seconds a statement may wait for a row or table lock (PostgreSQL lock_timeout); also the
    #: SQLite busy timeout below.
    DB_LOCK_TIMEOUT = int(os.environ.get("DB_LOCK_TIMEOUT", "5"))
    #: Seconds a request waits for a free connection in the pool (SQLAlchemy pool_timeout).
    DB_POOL_TIMEOUT = int(os.environ.get("DB_POOL_TIMEOUT", "5"))
    #: What the "try again" page tells browsers and proxies (Retry-After, seconds).
    DB_RETRY_AFTER = int(os.environ.get("DB_RETRY_AFTER", "30"))
    #: How long an SQLite writer waits for the write lock (every write takes it at BEGIN). The
    #: portal's writes hold it for a few milliseconds (the heaviest, a bulk decision on a camp,
    #: about 100 ms), so 4 workers x 2 threads queued behind one another wait at most ~1 s; 5 s
    #: leaves a margin of five for a slow disk, and stays far under gunicorn's 30 s, so a writer
    #: stuck behind a long job (a backup, a migration) gets the "try again" page instead.
    SQLITE_BUSY_TIMEOUT_MS = DB_LOCK_TIMEOUT * 1000
    #: Seconds a timestamp signed by another app server may lie in the future (its clock runs
    #: ahead): accepted as "now". Further ahead, the signature is refused as forged or broken.
    CLOCK_SKEW_SECONDS = int(os.environ.get("CLOCK_SKEW_SECONDS", "30"))

    BABEL_DEFAULT_LOCALE = "ky"
    BABEL_DEFAULT_TIMEZONE = "Asia/Bishkek"
    # Flask-Babel joins relative paths to the package folder, so this must be absolute.
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")

    # WTForms' own catalogues lack ky and uz; portal.forms serves its messages from ours.
    WTF_I18N_ENABLED = False
    WTF_CSRF_TIME_LIMIT = None

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    #: With Redis down, limits are counted in this worker's memory until it is back (checked
    #: again with a growing interval), so sign-in, registration and reset keep working.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    #: Any other failure of the limit storage is logged, never a 500.
    RATELIMIT_SWALLOW_ERRORS = True
    #: Seconds a Redis command of the rate limiter may take before Redis counts as down.
    RATELIMIT_REDIS_TIMEOUT = float(os.environ.get("RATELIMIT_REDIS_TIMEOUT", "0.5"))
    # Per address limits are generous: a whole camp may sign in behind one village Wi-Fi.
    # The per-account limit is what stops password guessing.
    RATELIMIT_LOGIN = "30 per minute;300 per hour"
    RATELIMIT_LOGIN_ACCOUNT = "5 per minute;20 per hour"
    RATELIMIT_REGISTER = "20 per minute;200 per hour"
    RATELIMIT_RESET = "10 per minute;60 per hour"
    RATELIMIT_RESET_ACCOUNT = "3 per minute;10 per hour"
    #: Wrong passwords typed inside a session (confirm, change password, erasure, contact change).
    RATELIMIT_PASSWORD_PROMPT = "5 per minute;20 per hour"
    # Group invitations per inviting account; wrong join codes per account and per address
    # (only failures count, so a whole class joining behind one Wi-Fi is never stopped).
    RATELIMIT_GROUP_INVITE = "10 per hour"
    RATELIMIT_JOIN_CODE = "5 per minute;20 per hour"
    #: Wrong draft codes per account (only failures count).
    RATELIMIT_RESUME = "10 per minute;30 per hour"
    RATELIMIT_JOIN_CODE_ADDRESS = "30 per minute;100 per hour"
    # Claiming a paper form: every try per address (a village behind one Wi-Fi), and wrong
    # code-and-phone pairs per code and per phone number, the limits that stop guessing.
    RATELIMIT_CLAIM = "30 per minute;300 per hour"
    RATELIMIT_CLAIM_CODE = "5 per minute;20 per hour"

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    #: A signed-in session unused for this long is signed out.
    IDLE_TIMEOUT = timedelta(hours=2)

    #: Above the 10 MB a file may have (portal/uploads.py), so a file a little over it is read
    #: and refused on its form with the other answers kept; a larger body is refused unread,
    #: with the form shown again (portal/errors.py, handle_too_large).
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    #: Where uploads (consent scans) are kept: "local" (a folder every app server mounts) or
    #: "s3" (a bucket of any S3-compatible object store); see portal/storage.py.
    UPLOADS_BACKEND = os.environ.get("UPLOADS_BACKEND", "local")
    #: The local backend's folder; instance/uploads/ when not set (UPLOAD_FOLDER: older name).
    UPLOADS_DIR = os.environ.get("UPLOADS_DIR") or os.environ.get("UPLOAD_FOLDER")
    UPLOADS_S3_ENDPOINT_URL = os.environ.get("UPLOADS_S3_ENDPOINT_URL")
    UPLOADS_S3_BUCKET = os.environ.get("UPLOADS_S3_BUCKET")
    UPLOADS_S3_ACCESS_KEY_ID = os.environ.get("UPLOADS_S3_ACCESS_KEY_ID")
    UPLOADS_S3_SECRET_ACCESS_KEY = os.environ.get("UPLOADS_S3_SECRET_ACCESS_KEY")
    UPLOADS_S3_REGION = os.environ.get("UPLOADS_S3_REGION", "us-east-1")
    #: Prepended to every object's key, e.g. "jashtar/uploads/" in a shared bucket.
    UPLOADS_S3_PREFIX = os.environ.get("UPLOADS_S3_PREFIX", "")
    #: Seconds one request to the object store may take.
    UPLOADS_S3_TIMEOUT = float(os.environ.get("UPLOADS_S3_TIMEOUT", "10"))
    PASSWORD_HASH_METHOD = "scrypt"
    PASSWORD_RESET_MAX_AGE = 3600
    ASSISTED_RESET_MAX_AGE = 24 * 3600
    #: How long the link an imported person gets to choose their first password works.
    INVITATION_MAX_AGE = 14 * 24 * 3600
    #: Number of proxies in front of the app whose X-Forwarded-* headers are trusted.
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))

    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "Jashtar <no-reply@jashtar.example.org>")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "0") == "1"
    #: Seconds the SMTP server may take to answer one command.
    MAIL_TIMEOUT = int(os.environ.get("MAIL_TIMEOUT", "30"))
    #: Seconds between a failed delivery and the next try: 1 min, 5 min, 30 min, 2 h, 6 h,
    #: 15 h, so a message is tried 7 times over 23 h 36 min before it is kept as failed.
    OUTBOX_RETRY_DELAYS = [
        int(seconds)
        for seconds in os.environ.get("OUTBOX_RETRY_DELAYS", "60,300,1800,7200,21600,54000").split(
            ","
        )
        if seconds.strip()
    ]
    #: Seconds a runner's claim on a message lasts; a runner that died longer ago than this
    #: gives its messages back. Far above one delivery (MAIL_TIMEOUT per SMTP command).
    OUTBOX_CLAIM_SECONDS = int(os.environ.get("OUTBOX_CLAIM_SECONDS", "900"))
    #: Messages a runner claims at a time.
    OUTBOX_BATCH = int(os.environ.get("OUTBOX_BATCH", "20"))
    #: Seconds `flask outbox work` sleeps when nothing is due.
    OUTBOX_WORK_INTERVAL = float(os.environ.get("OUTBOX_WORK_INTERVAL", "10"))
    #: /healthz reports the outbox as degraded when a message has been due this long.
    OUTBOX_LATE_SECONDS = int(os.environ.get("OUTBOX_LATE_SECONDS", "900"))
    #: SMS (portal/sms.py): "off" until a gateway is configured, "http" (a generic HTTP SMS
    #: gateway: POST SMS_GATEWAY_URL with a bearer token), "console" or "memory".
    SMS_BACKEND = os.environ.get("SMS_BACKEND", "off")
    SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
    SMS_GATEWAY_TOKEN = os.environ.get("SMS_GATEWAY_TOKEN", "")
    #: The sender name or number the gateway shows (an alphanumeric sender is registered
    #: with the operators).
    SMS_SENDER = os.environ.get("SMS_SENDER", "Jashtar")
    SMS_TIMEOUT = float(os.environ.get("SMS_TIMEOUT", "10"))
    #: Telegram (portal/telegram.py): off while TELEGRAM_BOT_NAME is empty; "bot" talks to the
    #: Bot API, "console" prints, "memory" keeps messages for tests.
    TELEGRAM_BOT_NAME = os.environ.get("TELEGRAM_BOT_NAME", "")
    TELEGRAM_BOT_TOKEN = os.environ.get("TELEGRAM_BOT_TOKEN", "")
    TELEGRAM_BACKEND = os.environ.get("TELEGRAM_BACKEND", "bot")
    TELEGRAM_API_URL = os.environ.get("TELEGRAM_API_URL", "https://api.telegram.org")
    #: The secret Telegram sends with each update (X-Telegram-Bot-Api-Secret-Token).
    TELEGRAM_WEBHOOK_SECRET = os.environ.get("TELEGRAM_WEBHOOK_SECRET", "")
    TELEGRAM_TIMEOUT = float(os.environ.get("TELEGRAM_TIMEOUT", "10"))
    #: Minutes a "Link Telegram" code works.
    TELEGRAM_LINK_MINUTES = int(os.environ.get("TELEGRAM_LINK_MINUTES", "30"))
    #: Broadcasts an organiser may send (Flask-Limiter syntax, per organiser).
    BROADCAST_LIMIT = os.environ.get("BROADCAST_LIMIT", "10 per hour;30 per day")
    #: Deliver queued mail at the end of the request that queued it (development convenience).
    MAIL_DELIVER_ON_REQUEST = False

    #: How a young person reaches the programme, shown in every page's footer; an empty one
    #: is not shown. A phone number as people dial it ("+996 555 123 456"), an e-mail address,
    #: a Telegram user name ("@jashtar" or a t.me link) and the hours someone answers: one text
    #: for every language from the environment, or {"ky": …, "ru": …, "uz_Cyrl": …} in
    #: instance/config.py (Uzbek in Latin script is generated from the Cyrillic).
    CONTACT_PHONE = os.environ.get("CONTACT_PHONE", "")
    CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL", "")
    CONTACT_TELEGRAM = os.environ.get("CONTACT_TELEGRAM", "")
    CONTACT_HOURS: str | dict[str, str] = os.environ.get("CONTACT_HOURS", "")

    PER_PAGE = 25
    #: Caches shared by the app servers (Flask-Caching). Redis when CACHE_REDIS_URL (or
    #: REDIS_URL) is set; otherwise each worker keeps its own (SimpleCache), which stays correct
    #: because versions are read from the database (portal/caching.py). CACHE_TYPE, when set,
    #: names the backend outright.
    CACHE_REDIS_URL = os.environ.get("CACHE_REDIS_URL") or os.environ.get("REDIS_URL")
    CACHE_TYPE = os.environ.get("CACHE_TYPE")
    CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "jashtar:")
    CACHE_DEFAULT_TIMEOUT = 300
    #: Seconds a Redis command may take before the cache counts as down.
    CACHE_REDIS_TIMEOUT = float(os.environ.get("CACHE_REDIS_TIMEOUT", "0.5"))
    #: After a cache error, a worker computes pages without the cache for this many seconds.
    CACHE_RETRY_SECONDS = 30
    #: The reach dashboard's figures are kept this long (0: always recomputed).
    REPORT_CACHE_SECONDS = 300
    #: Pages, CSV and JSON leave compressed (Flask-Compress); static files are pre-gzipped by
    #: portal/assets.py. A 10 KB page then fits the first round trip on a 2G phone.
    COMPRESS_MIMETYPES = ["text/html", "text/csv", "application/json"]
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_LEVEL = 6
    COMPRESS_BR_LEVEL = 4
    #: Applications of people never accepted are cleared this many days after their camp.
    RETENTION_DAYS = int(os.environ.get("RETENTION_DAYS", "365"))
    #: Health needs, emergency and guardian contacts and consent scans of every application
    #: are cleared this many days after the camp's last day (statuses and counts stay).
    CAMP_SENSITIVE_RETENTION_DAYS = int(os.environ.get("CAMP_SENSITIVE_RETENTION_DAYS", "90"))
    #: What the page after sending an action plan promises: a mentor usually reviews it within
    #: this many days.
    PLAN_REVIEW_DAYS = int(os.environ.get("PLAN_REVIEW_DAYS", "7"))
    #: The portal's public address. Every absolute link the portal sends (reset links, e-mails,
    #: certificate QR codes) is built from it, never from the request's Host header.
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
    #: Host names the portal answers to; None accepts any (development). Production derives it
    #: from BASE_URL (plus EXTRA_TRUSTED_HOSTS, comma-separated) and refuses every other Host.
    TRUSTED_HOSTS = None
    EXTRA_TRUSTED_HOSTS = os.environ.get("EXTRA_TRUSTED_HOSTS", "")
    #: Rate limits kept in one process's memory are per worker; production refuses them with
    #: several workers unless this is set (a single-worker install).
    RATELIMIT_ALLOW_MEMORY = os.environ.get("RATELIMIT_ALLOW_MEMORY", "0") == "1"
    #: gunicorn's worker count (gunicorn.conf.py reads the same variable).
    WEB_CONCURRENCY = int(os.environ.get("WEB_CONCURRENCY", "2"))


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "console")
    SMS_BACKEND = os.environ.get("SMS_BACKEND", "console")
    TELEGRAM_BOT_NAME = os.environ.get("TELEGRAM_BOT_NAME", "jashtar_demo_bot")
    TELEGRAM_BACKEND = os.environ.get("TELEGRAM_BACKEND", "console")
    MAIL_DELIVER_ON_REQUEST = True
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:200000"
    CONTACT_PHONE = os.environ.get("CONTACT_PHONE", DEMO_CONTACT_PHONE)
    CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL", DEMO_CONTACT_EMAIL)
    CONTACT_HOURS = os.environ.get("CONTACT_HOURS") or DEMO_CONTACT_HOURS


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    MAIL_BACKEND = "memory"
    SMS_BACKEND = "memory"
    TELEGRAM_BACKEND = "memory"
    TELEGRAM_BOT_NAME = "jashtar_test_bot"
    TELEGRAM_WEBHOOK_SECRET = "testing-webhook-secret"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    RATELIMIT_STORAGE_URI = "memory://"
    REPORT_CACHE_SECONDS = 0
    #: Nothing is kept between requests; tests of caching give their app a cache of its own.
    CACHE_TYPE = "NullCache"
    CACHE_NO_NULL_WARNING = True
    CACHE_REDIS_URL = None
    #: Not the test client's "localhost": tests prove links never come from the request.
    BASE_URL = "https://portal.example.org"
    CONTACT_PHONE = DEMO_CONTACT_PHONE
    CONTACT_EMAIL = DEMO_CONTACT_EMAIL
    CONTACT_HOURS = DEMO_CONTACT_HOURS


class ProductionConfig(Config):
    ENV_NAME = "production"
    #: Required: no default public address in production.
    BASE_URL = os.environ.get("BASE_URL", "")
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
