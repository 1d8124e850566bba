"""Settings: read once from the environment, validated, then passed in (never a module global)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PLACEHOLDER_PREFIX = "dev-placeholder"
# Values that look like secrets but are not: refused in production.
_WEAK_SECRETS = {"", "changeme", "change-me", "secret", "dev", "development", "test", "default"}
_MIN_SECRET_LEN = 32
# Credentials production refuses to start without (a placeholder would accept forged callbacks).
_PRODUCTION_CREDENTIALS = ("WECHAT_TOKEN", "WECHAT_APP_ID", "WECHAT_APP_SECRET",
                           "MINIAPP_APP_ID", "MINIAPP_APP_SECRET")
MESSAGE_MODES = ("plain", "compatible", "safe")


class ConfigError(SystemExit):
    """A configuration problem that stops the service with a one-line bilingual message."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"配置错误：{zh} / Configuration error: {en}")


@dataclass(frozen=True)
class Settings:
    env: str
    database_url: str
    secret_key: str
    var_dir: Path
    wechat_token: str
    wechat_app_id: str
    wechat_app_secret: str
    wechat_encoding_aes_key: str
    miniapp_app_id: str
    miniapp_app_secret: str
    wechat_api_base_url: str
    rate_limit_per_address: int
    rate_limit_per_user: int
    log_level: str
    log_format: str
    public_base_url: str
    # WeChat's 明文/兼容/安全模式: which callback bodies are accepted (core.wechat.protocol).
    wechat_message_mode: str = "plain"
    # Reverse proxies in front of the service whose X-Forwarded-For is trusted (0 = none).
    proxies_count: int = 0
    rate_limit_search_per_address: int = 120
    # Console sign-in attempts per minute, counted before any password hashing (content.auth).
    rate_limit_login_per_address: int = 30
    rate_limit_login_per_username: int = 10
    docs_enabled: bool = True
    # PIPL: personal fields of bookings and waiting-list entries are erased this many days after
    # the slot; unanswered questions are deleted after their own period (core.retention).
    retention_personal_days: int = 180
    retention_unanswered_days: int = 90
    # Closed referrals to the community assistance adviser are erased this long after closing.
    retention_referral_days: int = 365
    # Every database call is bounded (#11): a statement, and the wait for a pooled connection.
    db_statement_timeout_ms: int = 5000
    db_acquire_timeout_ms: int = 2000
    db_pool_size: int = 10
    # Each worker's periodic jobs (reminders, rate-limit windows, retention, WeChat's outbox):
    # off where something else drives them (the tests, by hand with a fixed clock).
    background_jobs: bool = True
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite://")

    def placeholder(self, value: str) -> bool:
        return value.startswith(PLACEHOLDER_PREFIX)

    @property
    def wechat_configured(self) -> bool:
        return not (self.placeholder(self.wechat_token) or self.placeholder(self.wechat_app_id))


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} 必须是整数（现为 {raw!r}）", f"{name} must be an integer") from None
    if value < minimum:
        raise ConfigError(f"{name} 不能小于 {minimum}", f"{name} must be >= {minimum}")
    return value


def _dev_secret(var_dir: Path) -> str:
    """A random key created once per install and kept, so dev sessions survive restarts.

    Two processes may start at once on a fresh ./var (a server and `baoshan ask`, or two workers):
    the file is created with a hard link, which fails if it exists, so exactly one key wins and
    the loser reads it instead of encrypting with a key nobody keeps.
    """
    path = var_dir / "secret_key"
    for _ in range(50):
        if path.exists():
            value = path.read_text(encoding="ascii").strip()
            if len(value) >= _MIN_SECRET_LEN:
                return value
            # Only an older version or a hand edit leaves a short key (ours is linked complete).
            path.unlink(missing_ok=True)
        var_dir.mkdir(parents=True, exist_ok=True)
        value = secrets.token_urlsafe(48)
        tmp = var_dir / f"secret_key.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        # 0600 from the start: the key signs sessions and derives the encryption key.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(value)
        try:
            os.link(tmp, path)
        except FileExistsError:
            continue  # another process won: read its key on the next turn
        finally:
            tmp.unlink(missing_ok=True)
        return value
    raise ConfigError("无法创建 ./var/secret_key", "could not create the dev secret key file")


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = dict(os.environ if environ is None else environ)
    mode = env.get("BAOSHAN_ENV", "dev").strip().lower() or "dev"
    if mode not in {"dev", "production"}:
        raise ConfigError(f"BAOSHAN_ENV 只能是 dev 或 production（现为 {mode!r}）",
                          "BAOSHAN_ENV must be dev or production")
    var_dir = Path(env.get("BAOSHAN_VAR_DIR", "./var")).resolve()
    database_url = env.get("BAOSHAN_DATABASE_URL", "").strip() or f"sqlite://{var_dir / 'baoshan.sqlite3'}"
    if not database_url.startswith(("sqlite://", "postgres://", "postgresql://", "asyncpg://")):
        raise ConfigError("BAOSHAN_DATABASE_URL 只支持 sqlite:// 或 postgres://",
                          "BAOSHAN_DATABASE_URL must be sqlite:// or postgres://")

    secret = env.get("BAOSHAN_SECRET_KEY", "").strip()
    if mode == "production":
        if not secret:
            raise ConfigError("生产环境必须设置 BAOSHAN_SECRET_KEY",
                              "BAOSHAN_SECRET_KEY is required in production")
        if secret.lower() in _WEAK_SECRETS or secret.startswith(PLACEHOLDER_PREFIX) \
                or len(secret) < _MIN_SECRET_LEN or len(set(secret)) < 8:
            raise ConfigError(f"BAOSHAN_SECRET_KEY 是默认值或太短（至少 {_MIN_SECRET_LEN} 个字符的随机串）",
                              f"BAOSHAN_SECRET_KEY is a placeholder or shorter than {_MIN_SECRET_LEN}")
        missing = [name for name in _PRODUCTION_CREDENTIALS
                   if not env.get(name, "").strip()
                   or env[name].strip().startswith(PLACEHOLDER_PREFIX)]
        if missing:
            names = ", ".join(missing)
            raise ConfigError(f"生产环境必须设置真实的 {names}", f"production requires real {names}")
    elif not secret:
        secret = _dev_secret(var_dir)

    def wx(name: str) -> str:
        return env.get(name, "").strip() or f"{PLACEHOLDER_PREFIX}-{name.lower()}"

    aes_key = env.get("WECHAT_ENCODING_AES_KEY", "").strip()
    if aes_key and len(aes_key) != 43:
        raise ConfigError("WECHAT_ENCODING_AES_KEY 必须是 43 个字符",
                          "WECHAT_ENCODING_AES_KEY must be 43 characters")

    message_mode = env.get("WECHAT_MESSAGE_MODE", "").strip().lower() \
        or ("compatible" if aes_key else "plain")
    if message_mode not in MESSAGE_MODES:
        raise ConfigError("WECHAT_MESSAGE_MODE 只能是 plain、compatible 或 safe",
                          "WECHAT_MESSAGE_MODE must be plain, compatible or safe")
    if message_mode != "plain" and not aes_key:
        raise ConfigError(f"WECHAT_MESSAGE_MODE={message_mode} 需要 WECHAT_ENCODING_AES_KEY",
                          f"WECHAT_MESSAGE_MODE={message_mode} needs WECHAT_ENCODING_AES_KEY")
    # Sanic's own name is accepted too, for deployments that already set it.
    proxies = next((n for n in ("BAOSHAN_PROXIES_COUNT", "SANIC_PROXIES_COUNT")
                    if env.get(n, "").strip()), "BAOSHAN_PROXIES_COUNT")
    docs_raw = env.get("BAOSHAN_DOCS", "").strip().lower()
    # Swagger UI loads its script from a CDN: off in production unless asked for.
    docs_enabled = docs_raw in {"1", "true", "yes", "on"} if docs_raw else mode != "production"

    jobs_raw = env.get("BAOSHAN_BACKGROUND_JOBS", "").strip().lower()
    background_jobs = jobs_raw not in {"0", "false", "no", "off"}

    log_format = env.get("BAOSHAN_LOG_FORMAT", "json").strip().lower()
    if log_format not in {"json", "text"}:
        raise ConfigError("BAOSHAN_LOG_FORMAT 只能是 json 或 text", "BAOSHAN_LOG_FORMAT: json|text")

    return Settings(
        env=mode,
        database_url=database_url,
        secret_key=secret,
        var_dir=var_dir,
        wechat_token=wx("WECHAT_TOKEN"),
        wechat_app_id=wx("WECHAT_APP_ID"),
        wechat_app_secret=wx("WECHAT_APP_SECRET"),
        wechat_encoding_aes_key=aes_key,
        miniapp_app_id=wx("MINIAPP_APP_ID"),
        miniapp_app_secret=wx("MINIAPP_APP_SECRET"),
        wechat_api_base_url=(env.get("WECHAT_API_BASE_URL", "").strip()
                             or "https://api.weixin.qq.com").rstrip("/"),
        rate_limit_per_address=_int(env, "BAOSHAN_RATE_LIMIT_PER_ADDRESS", 600),
        rate_limit_per_user=_int(env, "BAOSHAN_RATE_LIMIT_PER_USER", 60),
        log_level=env.get("BAOSHAN_LOG_LEVEL", "INFO").strip().upper() or "INFO",
        log_format=log_format,
        public_base_url=env.get("BAOSHAN_PUBLIC_BASE_URL", "").strip().rstrip("/"),
        wechat_message_mode=message_mode,
        proxies_count=_int(env, proxies, 0),
        rate_limit_search_per_address=_int(env, "BAOSHAN_RATE_LIMIT_SEARCH_PER_ADDRESS", 120),
        rate_limit_login_per_address=_int(env, "BAOSHAN_RATE_LIMIT_LOGIN_PER_ADDRESS", 30),
        rate_limit_login_per_username=_int(env, "BAOSHAN_RATE_LIMIT_LOGIN_PER_USERNAME", 10),
        docs_enabled=docs_enabled,
        retention_personal_days=_int(env, "BAOSHAN_RETENTION_DAYS", 180, minimum=1),
        retention_unanswered_days=_int(env, "BAOSHAN_RETENTION_UNANSWERED_DAYS", 90, minimum=1),
        retention_referral_days=_int(env, "BAOSHAN_RETENTION_REFERRAL_DAYS", 365, minimum=1),
        db_statement_timeout_ms=_int(env, "BAOSHAN_DB_STATEMENT_TIMEOUT_MS", 5000, minimum=100),
        db_acquire_timeout_ms=_int(env, "BAOSHAN_DB_ACQUIRE_TIMEOUT_MS", 2000, minimum=100),
        db_pool_size=_int(env, "BAOSHAN_DB_POOL_SIZE", 10, minimum=1),
        background_jobs=background_jobs,
    )
