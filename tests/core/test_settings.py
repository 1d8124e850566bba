from __future__ import annotations

import multiprocessing
import stat
from pathlib import Path
from typing import Any

import pytest

from core.settings import ConfigError, load_settings


def test_dev_defaults_create_and_keep_a_private_secret(tmp_path: Path) -> None:
    first = load_settings({"BAOSHAN_VAR_DIR": str(tmp_path)})
    second = load_settings({"BAOSHAN_VAR_DIR": str(tmp_path)})
    assert first.env == "dev"
    assert len(first.secret_key) >= 32
    assert first.secret_key == second.secret_key
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.database_url == f"sqlite://{tmp_path / 'baoshan.sqlite3'}"
    assert first.wechat_api_base_url == "https://api.weixin.qq.com"
    assert first.rate_limit_per_address == 600


def _key_of(var_dir: str) -> str:
    return load_settings({"BAOSHAN_VAR_DIR": var_dir}).secret_key


def _start_together(var_dir: str, barrier: Any, out: Any) -> None:
    barrier.wait()
    out.put(_key_of(var_dir))


def test_processes_starting_together_on_a_fresh_install_share_one_key(tmp_path: Path) -> None:
    # A server and `baoshan ask` started at once used to write two keys: one process then
    # encrypted with a key that no file kept.
    ctx = multiprocessing.get_context("fork")
    barrier, out = ctx.Barrier(12), ctx.Queue()
    procs = [ctx.Process(target=_start_together, args=(str(tmp_path), barrier, out))
             for _ in range(12)]
    for p in procs:
        p.start()
    keys = [out.get(timeout=30) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    assert len(set(keys)) == 1
    assert (tmp_path / "secret_key").read_text(encoding="ascii").strip() == keys[0]
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no temporary files left


def test_a_short_key_file_is_replaced(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("short", encoding="ascii")
    key = _key_of(str(tmp_path))
    assert len(key) >= 32 and _key_of(str(tmp_path)) == key


@pytest.mark.parametrize("secret", [None, "", "changeme", "dev-placeholder-secret-key-aaaaaaaaaaaaaaa",
                                    "short-but-random-9f8e"])
def test_production_refuses_missing_or_placeholder_secret(tmp_path: Path, secret: str | None) -> None:
    env = {"BAOSHAN_ENV": "production", "BAOSHAN_VAR_DIR": str(tmp_path)}
    if secret is not None:
        env["BAOSHAN_SECRET_KEY"] = secret
    with pytest.raises(ConfigError) as err:
        load_settings(env)
    message = str(err.value)
    assert "BAOSHAN_SECRET_KEY" in message and "配置错误" in message and "\n" not in message
    assert not (tmp_path / "secret_key").exists()


REAL_SECRET = "Jq3v9XkT2mWc8LpR4sNd7HfB1gYz6EuA"
REAL_CREDENTIALS = {"WECHAT_TOKEN": "tok3nF0rBa0shan", "WECHAT_APP_ID": "wx0123456789abcdef",
                    "WECHAT_APP_SECRET": "0123456789abcdef0123456789abcdef",
                    "MINIAPP_APP_ID": "wxfedcba9876543210",
                    "MINIAPP_APP_SECRET": "fedcba9876543210fedcba9876543210"}


def _production(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"BAOSHAN_ENV": "production", "BAOSHAN_VAR_DIR": str(tmp_path),
            "BAOSHAN_SECRET_KEY": REAL_SECRET, **REAL_CREDENTIALS, **extra}


def test_production_accepts_a_real_secret(tmp_path: Path) -> None:
    s = load_settings(_production(tmp_path))
    assert s.is_production and s.secret_key == REAL_SECRET
    assert s.wechat_token == "tok3nF0rBa0shan" and s.wechat_configured
    assert not s.docs_enabled  # Swagger UI comes from a CDN: off in production unless asked for


@pytest.mark.parametrize("secret", ["a" * 48, "x7" * 24])
def test_production_refuses_a_secret_of_repeated_characters(tmp_path: Path, secret: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(_production(tmp_path, BAOSHAN_SECRET_KEY=secret))
    assert "BAOSHAN_SECRET_KEY" in str(err.value)


@pytest.mark.parametrize("name", sorted(REAL_CREDENTIALS))
@pytest.mark.parametrize("value", [None, "", "dev-placeholder-wechat_token"])
def test_production_refuses_placeholder_wechat_credentials(tmp_path: Path, name: str,
                                                          value: str | None) -> None:
    env = _production(tmp_path)
    if value is None:
        del env[name]
    else:
        env[name] = value
    with pytest.raises(ConfigError) as err:
        load_settings(env)
    message = str(err.value)
    assert name in message and "配置错误" in message
    # Only the missing one is named, so the operator knows what to set.
    assert all(other not in message for other in REAL_CREDENTIALS if other != name)


def test_message_mode_defaults_and_validation(tmp_path: Path) -> None:
    aes = "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8s9T0u1V"
    assert load_settings({"BAOSHAN_VAR_DIR": str(tmp_path)}).wechat_message_mode == "plain"
    assert load_settings({"BAOSHAN_VAR_DIR": str(tmp_path),
                          "WECHAT_ENCODING_AES_KEY": aes}).wechat_message_mode == "compatible"
    assert load_settings({"BAOSHAN_VAR_DIR": str(tmp_path), "WECHAT_ENCODING_AES_KEY": aes,
                          "WECHAT_MESSAGE_MODE": "SAFE"}).wechat_message_mode == "safe"
    for bad in ({"WECHAT_MESSAGE_MODE": "secure"}, {"WECHAT_MESSAGE_MODE": "safe"}):
        with pytest.raises(ConfigError) as err:
            load_settings({"BAOSHAN_VAR_DIR": str(tmp_path), **bad})
        assert "WECHAT_MESSAGE_MODE" in str(err.value)


def test_proxies_count_and_search_limit(tmp_path: Path) -> None:
    s = load_settings({"BAOSHAN_VAR_DIR": str(tmp_path)})
    assert s.proxies_count == 0 and s.rate_limit_search_per_address == 120
    s = load_settings({"BAOSHAN_VAR_DIR": str(tmp_path), "BAOSHAN_PROXIES_COUNT": "1",
                       "BAOSHAN_RATE_LIMIT_SEARCH_PER_ADDRESS": "0"})
    assert s.proxies_count == 1 and s.rate_limit_search_per_address == 0
    assert load_settings({"BAOSHAN_VAR_DIR": str(tmp_path),
                          "SANIC_PROXIES_COUNT": "2"}).proxies_count == 2


@pytest.mark.parametrize(("name", "value"), [
    ("BAOSHAN_ENV", "staging"),
    ("BAOSHAN_DATABASE_URL", "mysql://x"),
    ("BAOSHAN_RATE_LIMIT_PER_ADDRESS", "many"),
    ("BAOSHAN_RATE_LIMIT_PER_ADDRESS", "-1"),
    ("WECHAT_ENCODING_AES_KEY", "tooshort"),
])
def test_nonsense_is_refused_with_a_named_variable(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings({"BAOSHAN_VAR_DIR": str(tmp_path), name: value})
    assert name in str(err.value)


def test_rate_limit_zero_turns_it_off(tmp_path: Path) -> None:
    s = load_settings({"BAOSHAN_VAR_DIR": str(tmp_path), "BAOSHAN_RATE_LIMIT_PER_ADDRESS": "0"})
    assert s.rate_limit_per_address == 0
