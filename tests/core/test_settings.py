from __future__ import annotations

import stat
from pathlib import Path

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


def test_production_accepts_a_real_secret(tmp_path: Path) -> None:
    s = load_settings({"BAOSHAN_ENV": "production", "BAOSHAN_VAR_DIR": str(tmp_path),
                       "BAOSHAN_SECRET_KEY": "x7" * 24})
    assert s.is_production and s.secret_key == "x7" * 24


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
