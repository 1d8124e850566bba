"""How the console renders: the templates, the navigation, error pages and ?done= confirmations.

Every text staff read comes from the staff catalogue by code (``say``); this module never decides
what a message says, only where it is shown.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Request
from sanic.request import RequestParameters
from sanic.response import HTTPResponse, html, redirect

from content.messages import ROLE_NAMES
from core import catalogue

HERE = Path(__file__).parent


class _Role(Protocol):
    @property
    def role(self) -> str: ...


@lru_cache(maxsize=1)
def templates() -> Environment:
    """Built on first use (not at import); autoescaping on for every page."""
    env = Environment(loader=FileSystemLoader(HERE / "templates"),
                      autoescape=select_autoescape(["html"]), enable_async=False)
    # Jinja's own tojson escapes every Chinese character to \uXXXX; staff read these.
    env.filters["readable_json"] = lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True)
    return env


# (url, label, roles that see it; admin sees everything). The nav only hides links: every handler
# still checks its own roles through staff_required.
NAV: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("/console/", "概览", ("*",)),
    ("/console/urgent", "紧急求助", ("*",)),
    ("/console/notices", "通知公告", ("editor",)),
    ("/console/charity", "慈善周", ("editor",)),
    ("/console/guides", "办事指南", ("editor",)),
    ("/console/kb", "知识库", ("editor",)),
    ("/console/simulator", "对话模拟", ("editor", "registrar")),
    ("/console/slots", "号源与预约", ("registrar",)),
    ("/console/checkin", "签到", ("registrar",)),
    ("/console/tomb", "祭扫预约", ("registrar",)),
    ("/console/day", "每日名单", ("registrar",)),
    ("/console/bookings/find", "查找预约", ("registrar",)),
    ("/console/proxy-sweeping", "代客祭扫", ("registrar",)),
    ("/console/settings", "设置", ("editor", "registrar")),
    ("/console/referrals", "救助顾问", ("adviser",)),
    ("/console/staff", "账号", ("admin",)),
    ("/console/audit", "操作日志", ("admin",)),
)


def nav_for(staff: _Role | None) -> list[tuple[str, str]]:
    if staff is None:
        return []
    return [(url, label) for url, label, roles in NAV
            if "*" in roles or staff.role == "admin" or staff.role in roles]


def page(name: str, status: int = 200, **context: Any) -> HTTPResponse:
    context.setdefault("staff", None)
    body = templates().get_template(name).render(role_names=ROLE_NAMES, nav=nav_for(context["staff"]),
                                                 **context)
    return html(body, status=status, headers={"Cache-Control": "no-store",
                                              "X-Frame-Options": "DENY",
                                              "Content-Security-Policy": "default-src 'self'"})


def posted(request: Request) -> RequestParameters:
    """The posted form fields; empty when the body was not a form (``request.form`` is None)."""
    return request.form or RequestParameters()


def say(code: str, params: Mapping[str, Any] | None = None) -> str:
    """The staff catalogue's text for ``code``, its ``{placeholders}`` filled from ``params``."""
    return catalogue.text("staff", code, params)


def error_page(request: Request, status: int, code: str,
               params: Mapping[str, Any] | None = None) -> HTTPResponse:
    """The console's one "无法继续" page; the signed-in staff member (if any) keeps the nav."""
    return page("error.html", status, staff=getattr(request.ctx, "staff", None),
                message=say(code, params))


def done_redirect(url: str, code: str) -> HTTPResponse:
    """Post/redirect/get: the next page shows the code's confirmation (``done.<code>``)."""
    sep = "&" if "?" in url else "?"
    return redirect(f"{url}{sep}done={code}")


def flash(request: Request) -> str:
    code = request.args.get("done") or ""
    if code and catalogue.has("staff", f"done.{code}"):
        return say(f"done.{code}")
    return ""
