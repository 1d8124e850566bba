"""Structured logs: one JSON object a line, each carrying the request id of the request it serves."""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
# Anything that looks like a mainland ID number or mobile slipping into a log line is masked
# here as the last line of defence; code should already log masked values.
_ID_RE = re.compile(r"(?<!\d)(\d{4})\d{10}(\d{3}[\dXx])(?!\d)")
_PHONE_RE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
# Credentials WeChat carries in URLs and bodies (an exception's text can quote a URL): redacted
# whatever logger the line comes from.
_SECRET_RE = re.compile(
    r"(\b(?:secret|appsecret|access_token|refresh_token|js_code|session_key|password)"
    r"""["']?\s*[=:]\s*["']?)[^&\s"',}]+""", re.IGNORECASE)


def scrub(text: str) -> str:
    text = _SECRET_RE.sub(r"\1***", text)
    return _PHONE_RE.sub(r"\1****\2", _ID_RE.sub(r"\1**********\2", text))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": scrub(record.getMessage()),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in payload:
                payload[key] = scrub(value) if isinstance(value, str) else value
        if record.exc_info:
            payload["exc"] = scrub(self.formatException(record.exc_info))
        return json.dumps(payload, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        rid = getattr(record, "request_id", None) or request_id_var.get()
        extras = " ".join(f"{k}={v}" for k, v in record.__dict__.items()
                          if k not in _STANDARD and k != "request_id")
        line = f"{record.levelname:<7} {record.name} [{rid}] {record.getMessage()} {extras}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return scrub(line.rstrip())


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name("baoshan")
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    # Replace only our own handler: a test harness's capture handler stays attached.
    root.handlers[:] = [h for h in root.handlers if h.get_name() != "baoshan"] + [handler]
    root.setLevel(level)
    # Sanic's own loggers carry their own handlers; route them through ours instead.
    for name in ("sanic.root", "sanic.error", "sanic.access", "sanic.server", "tortoise"):
        lg = logging.getLogger(name)
        lg.handlers[:] = []
        lg.propagate = True
    logging.getLogger("tortoise").setLevel("WARNING")
    # httpx/httpcore log full URLs (WeChat's secret= and access_token=) at INFO and DEBUG;
    # core.outbound logs each call with the query redacted instead.
    # aiosqlite and the database drivers log every statement with its parameters at DEBUG:
    # tokens, ciphertexts, personal data.
    for name in ("httpx", "httpcore", "aiosqlite", "asyncpg", "tortoise.db_client"):
        logging.getLogger(name).setLevel("WARNING")
    logging.getLogger("jieba").setLevel("WARNING")
