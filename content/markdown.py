"""Markdown written by staff → HTML safe to show residents (notices, charity-week intros).

Two layers on purpose: markdown-it with raw HTML disabled never emits staff-typed tags, and nh3
then keeps only a small tag set and http/https/mailto links, whatever the renderer produced.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

TAGS = frozenset({"p", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "a", "blockquote", "code",
                  "pre", "table", "thead", "tbody", "tr", "th", "td", "br", "hr"})
SUMMARY_CHARS = 80
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # Tables are not in CommonMark but notices often list dates and places in one.
    return MarkdownIt("commonmark", {"html": False}).enable("table")


@lru_cache(maxsize=1)
def _cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(tags=set(TAGS), attributes={"a": {"href"}}, url_schemes={"http", "https", "mailto"},
                       url_relative="deny", link_rel="noopener", strip_comments=True)


def _heading_levels(tokens: list[Token]) -> None:
    # The page title is the notice's h1, so "# x" in a body becomes h2 and h5/h6 fold into h4
    # rather than being stripped to bare text by the sanitiser.
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(max(int(token.tag[1]) + (1 if token.tag == "h1" else 0), 2), 4)
            token.tag = f"h{level}"


def render(source: str) -> str:
    """Sanitised HTML for ``source`` (Markdown); empty for an empty body."""
    md = _parser()
    tokens = md.parse(source or "")
    _heading_levels(tokens)
    return sanitise(md.renderer.render(tokens, md.options, {}))


def sanitise(fragment: str) -> str:
    """Only the allowed tags, ``href`` on links, and http/https/mailto URLs survive."""
    return _cleaner().clean(fragment).strip()


def plain_text(rendered: str) -> str:
    """The words of sanitised HTML on one line (for summaries)."""
    text = nh3.clean(rendered, tags=set())
    return _SPACES.sub(" ", html.unescape(text)).strip()


def summary_of(rendered: str, limit: int = SUMMARY_CHARS) -> str:
    text = plain_text(rendered)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
