"""Configuration classes; everything environment-specific comes from environment variables."""
import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _instance_secret(instance_path: Path) -> str:
    """A per-installation secret kept in instance/ (never in the repository). Created with
    O_EXCL, so workers starting together agree on one key."""
    path = instance_path / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


class Config:
    INSTANCE_PATH = Path(os.environ.get("ONEWINDOW_INSTANCE", ROOT / "instance"))
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_PATH / 'onewindow.db'}"
    )
    # Idle connections are checked before use (app.connections.PING_AFTER_IDLE_SECONDS), not every one.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": False}
    SECRET_KEY = os.environ.get("SECRET_KEY")  # filled from instance/ when unset

    PROCESSES_DIR = ROOT / "processes"
    FORMS_DIR = ROOT / "forms"

    TOKEN_MAX_AGE_SECONDS = int(os.environ.get("TOKEN_MAX_AGE_SECONDS", 8 * 3600))
    MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_BYTES", 20 * 1024 * 1024))  # one file
    MAX_CONTENT_LENGTH = MAX_UPLOAD_BYTES + 4 * 1024 * 1024  # the file plus the form around it
    # An online application or supplement carries all its materials in one request.
    MAX_APPLICATION_BYTES = int(os.environ.get("MAX_APPLICATION_BYTES", 200 * 1024 * 1024))
    # Content-addressed file store (material files, guide templates and samples).
    FILES_DIR = os.environ.get("FILES_DIR")  # default: <INSTANCE_PATH>/files
    PROXY_FIX_HOPS = int(os.environ.get("PROXY_FIX_HOPS", 0))  # proxies in front (X-Forwarded-For trusted)
    WTF_CSRF_CHECK_DEFAULT = False  # the pages' blueprints call csrf.protect(); the API uses bearer tokens
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    SESSION_COOKIE_SAMESITE = "Lax"
    STAFF_IDLE_SECONDS = int(os.environ.get("STAFF_IDLE_SECONDS", 2 * 3600))  # signed out after 2 h idle
    SEAL_OFFICE = os.environ.get("SEAL_OFFICE", "西安市鄠邑区政务服务中心")  # the name on the electronic seal
    SEAL_KEY_PATH = os.environ.get("SEAL_KEY_PATH")  # default: <INSTANCE_PATH>/seal/office_ed25519.pem
    E_DELIVERY_DAYS = int(os.environ.get("E_DELIVERY_DAYS", 30))  # how long an e-delivery link works
    PROGRESS_LOOKUPS_PER_HOUR = int(os.environ.get("PROGRESS_LOOKUPS_PER_HOUR", 10))  # failed, per address
    CONSULTATIONS_PER_HOUR = int(os.environ.get("CONSULTATIONS_PER_HOUR", 5))  # online questions per address
    COMPLAINTS_PER_HOUR = int(os.environ.get("COMPLAINTS_PER_HOUR", 5))  # online complaints per address
    # Notifications (art. 15): an HTTP SMS gateway and an SMTP server; unset = written to the log.
    SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL")
    SMS_GATEWAY_TOKEN = os.environ.get("SMS_GATEWAY_TOKEN")
    SMS_TEMPLATES = os.environ.get("SMS_TEMPLATES", "{}")  # JSON: message kind -> gateway template id
    SMTP_HOST = os.environ.get("SMTP_HOST")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", 25))
    SMTP_USER = os.environ.get("SMTP_USER")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD")
    SMTP_STARTTLS = os.environ.get("SMTP_STARTTLS", "0") == "1"
    MAIL_FROM = os.environ.get("MAIL_FROM", "noreply@zwfw.huyi.example")
    SMS_CHANNEL = os.environ.get("SMS_CHANNEL", "log")  # "log": the code is written to the log (development)
    # Where the public guide pages live, for QR codes; None = the address the request came to.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL")
    MAX_BPMN_BYTES = int(os.environ.get("MAX_BPMN_BYTES", 2 * 1024 * 1024))
    MAX_FORM_BYTES = 256 * 1024

    # Rules of the standard flow (art. 13). Deadlines are calendar days until the
    # working-day calendar lands; the names stay when it does.
    MAX_CORRECTION_ROUNDS = int(os.environ.get("MAX_CORRECTION_ROUNDS", 3))
    CORRECTION_LIMIT_DAYS = int(os.environ.get("CORRECTION_LIMIT_DAYS", 5))
    TOLERANCE_LIMIT_DAYS = int(os.environ.get("TOLERANCE_LIMIT_DAYS", 10))

    # `make run` sets SCHEDULER_ENABLED=1 to embed a scheduler in the web process; CLI
    # commands and production web workers leave it off (run `flask scheduler run` instead).
    SCHEDULER_ENABLED = os.environ.get("SCHEDULER_ENABLED", "0") == "1"
    DEADLINE_TIME = os.environ.get("DEADLINE_TIME", "23:59:59")  # when a deadline day ends (Asia/Shanghai)
    # A deadline turns yellow with this many working days left, or this share of its limit.
    WARNING_DAYS_LEFT = int(os.environ.get("WARNING_DAYS_LEFT", 1))
    WARNING_FRACTION = float(os.environ.get("WARNING_FRACTION", 0.2))
    SCHEDULER_SWEEP_SECONDS = int(os.environ.get("SCHEDULER_SWEEP_SECONDS", 60))  # safety net only
    TIMER_MAX_ATTEMPTS = 5
    TIMER_BACKOFF_SECONDS = float(os.environ.get("TIMER_BACKOFF_SECONDS", 60))  # retries after 1, 2, 4 … × this
    # What process scripts and expressions may use (app.settings.ScriptLimits).
    SCRIPT_MAX_OPCODES = int(os.environ.get("SCRIPT_MAX_OPCODES", 1_000_000))  # per script or expression
    SCRIPT_STEP_SECONDS = float(os.environ.get("SCRIPT_STEP_SECONDS", 2.0))  # all scripts of one engine step
    SCRIPT_MAX_INT_BITS = int(os.environ.get("SCRIPT_MAX_INT_BITS", 4096))
    SCRIPT_MAX_ITEMS = int(os.environ.get("SCRIPT_MAX_ITEMS", 1_000_000))  # characters or elements
    SCRIPT_MAX_FORMAT_WIDTH = int(os.environ.get("SCRIPT_MAX_FORMAT_WIDTH", 10_000))
    CASE_STATE_MAX_BYTES = int(os.environ.get("CASE_STATE_MAX_BYTES", 5 * 1024 * 1024))
    # PostgreSQL sessions of the app (app.database): no statement runs, and no transaction stays
    # open and idle, longer than this (milliseconds; 0 = no limit).
    DB_STATEMENT_TIMEOUT_MS = int(os.environ.get("DB_STATEMENT_TIMEOUT_MS", 30_000))
    DB_IDLE_IN_TRANSACTION_TIMEOUT_MS = int(os.environ.get("DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", 60_000))

    API_TITLE = "OneWindow 政务服务一窗通办平台 API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "v1/openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    OPENAPI_SWAGGER_UI_URL = "/api/docs/assets/"
    OPENAPI_SWAGGER_UI_CONFIG = {"validatorUrl": None}  # no badge from validator.swagger.io (CSP: img-src 'self')
    API_SPEC_OPTIONS = {
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}
        },
        "security": [{"bearerAuth": []}],
    }
    JSON_AS_ASCII = False


class DevelopmentConfig(Config):
    pass


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-not-for-production-use"  # 32+ characters: production's test runs accept it
    SCHEDULER_ENABLED = False


class ProductionConfig(Config):
    REQUIRE_SECRET_KEY = True
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "")  # no SQLite fallback: unset is refused
    STRICT_TRANSPORT_SECURITY = os.environ.get("STRICT_TRANSPORT_SECURITY", "max-age=31536000; includeSubDomains")
    NOTIFY_TO_LOG = False  # unconfigured notification channels fail visibly instead of logging
    SESSION_COOKIE_SECURE = True  # behind HTTPS only
    PERMANENT_SESSION_LIFETIME = 8 * 3600


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_class(name: str) -> type[Config]:
    """The configuration named by ONEWINDOW_ENV; an unknown name stops the start with one line."""
    if name not in CONFIGS:
        raise RuntimeError(f"ONEWINDOW_ENV={name!r} is not a known environment: use one of "
                           f"{', '.join(CONFIGS)}")
    return CONFIGS[name]


MIN_SECRET_CHARACTERS = 32  # bytes; secrets.token_hex(32) gives 64
MIN_SECRET_DISTINCT = 8


def weak_secret(secret: str | bytes) -> bool:
    """Too short, too few different characters, or a pattern repeated ("x", "aaaa…", "abcabc…"):
    what a key needs to carry 32 bytes of entropy, short of measuring how it was made."""
    raw = secret.encode() if isinstance(secret, str) else secret
    return (len(raw) < MIN_SECRET_CHARACTERS or len(set(raw)) < MIN_SECRET_DISTINCT
            or any(raw[period:] == raw[:-period] for period in range(1, len(raw) // 2 + 1)))


def resolve_secret(config: dict) -> None:
    Path(config["INSTANCE_PATH"]).mkdir(parents=True, exist_ok=True)
    config["FILES_DIR"] = Path(config.get("FILES_DIR") or Path(config["INSTANCE_PATH"]) / "files")
    if config.get("REQUIRE_SECRET_KEY") and not config.get("PUBLIC_BASE_URL"):
        raise RuntimeError("PUBLIC_BASE_URL must be set in production (guide links and QR codes would "
                           "otherwise follow whatever Host header a client sends)")
    if config.get("REQUIRE_SECRET_KEY") and not config.get("SQLALCHEMY_DATABASE_URI"):
        raise RuntimeError("DATABASE_URL must be set in production (postgresql+psycopg://…; production "
                           "never falls back to a SQLite file in instance/)")
    if config.get("SECRET_KEY"):
        if config.get("REQUIRE_SECRET_KEY") and weak_secret(config["SECRET_KEY"]):
            raise RuntimeError(f"SECRET_KEY is too weak for production: it needs at least {MIN_SECRET_CHARACTERS} "
                               f"characters, {MIN_SECRET_DISTINCT} of them different and not a repeated pattern "
                               "(generate one: python -c 'import secrets; print(secrets.token_hex(32))')")
        return
    if config.get("REQUIRE_SECRET_KEY"):
        raise RuntimeError("SECRET_KEY must be set in production (tokens signed with a per-host key "
                           "would not verify on the other hosts)")
    config["SECRET_KEY"] = _instance_secret(Path(config["INSTANCE_PATH"]))
