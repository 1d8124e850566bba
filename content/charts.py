"""Server-side SVG charts for the console: plain functions returning SVG markup, no JavaScript.

The console's CSP allows no inline script or style, so charts carry only presentation attributes
(``fill=``, ``stroke=``); every piece of text is escaped, because labels can come from staff input
and residents' questions. Each chart has a <title>/<desc> for screen readers, and the pages show
the same figures as a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import count

from markupsafe import Markup, escape

PALETTE = ("#b71c1c", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#5d4037")
WIDTH, HEIGHT = 720, 280
_LEFT, _RIGHT, _TOP, _BOTTOM = 48, 12, 36, 44
_ids = count(1)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


def nice_axis(value: float) -> tuple[float, int]:
    """(top, intervals) of the lowest axis reaching ``value`` whose ticks are whole 1, 2 or 5 × 10ⁿ
    steps, with 4 or 5 intervals: counts get whole-number ticks (0, 2, 4, 6, 8 for a 7)."""
    target = max(value, 1)
    power = 1
    while True:
        options = [(step * n, n) for step in (power, 2 * power, 5 * power) for n in (4, 5)
                   if step * n >= target]
        if options:
            return min(options)
        power *= 10


def nice_max(value: float) -> float:
    return nice_axis(value)[0]


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if value % 1 else str(int(value))


def _frame(title: str, desc: str, body: list[str], legend: Sequence[Series]) -> Markup:
    uid = next(_ids)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'role="img" aria-labelledby="chart{uid}t chart{uid}d">',
             f'<title id="chart{uid}t">{escape(title)}</title>',
             f'<desc id="chart{uid}d">{escape(desc)}</desc>']
    x = _LEFT
    for i, s in enumerate(legend):
        parts.append(f'<rect x="{x}" y="10" width="12" height="12" fill="{PALETTE[i % len(PALETTE)]}"/>'
                     f'<text x="{x + 16}" y="21" font-size="12" fill="#1f2933">{escape(s.name)}</text>')
        x += 28 + 13 * len(s.name)
    parts.extend(body)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text piece above went through escape()


def _axis(top: float, intervals: int, unit: str) -> list[str]:
    plot_h = HEIGHT - _TOP - _BOTTOM
    out = []
    for k in range(intervals + 1):
        value = top * k / intervals
        y = HEIGHT - _BOTTOM - plot_h * k / intervals
        out.append(f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{WIDTH - _RIGHT}" y2="{y:.1f}" '
                   f'stroke="#e3e7eb" stroke-width="1"/>'
                   f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
                   f'fill="#66788a">{escape(_num(value) + unit)}</text>')
    return out


def _x_labels(labels: Sequence[str], slot: float) -> list[str]:
    y = HEIGHT - _BOTTOM + 16
    return [f'<text x="{_LEFT + slot * (i + 0.5):.1f}" y="{y}" font-size="11" text-anchor="middle" '
            f'fill="#1f2933">{escape(label)}</text>' for i, label in enumerate(labels)]


def _desc(labels: Sequence[str], series: Sequence[Series], unit: str) -> str:
    return "；".join(f"{s.name}：" + "，".join(f"{label} {_num(v)}{unit}"
                                              for label, v in zip(labels, s.values, strict=False))
                    for s in series)


def _value_size(bar: float) -> int:
    """Value labels as large as the bar's width allows (narrow bars of many series: smaller)."""
    return 11 if bar >= 14 else 9


def bar_chart(labels: Sequence[str], series: Sequence[Series], *, title: str, unit: str = "",
              max_value: float | None = None) -> Markup:
    """Grouped vertical bars: one group per label, one bar per series."""
    top, intervals = (max_value, 4) if max_value else nice_axis(max((v for s in series for v in s.values),
                                                                     default=0))
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM
    slot = plot_w / max(len(labels), 1)
    bar = slot * 0.8 / max(len(series), 1)
    body = _axis(top, intervals, unit)
    for j, s in enumerate(series):
        colour = PALETTE[j % len(PALETTE)]
        for i, value in enumerate(s.values):
            h = plot_h * min(max(value, 0) / top, 1)
            x = _LEFT + slot * i + slot * 0.1 + bar * j
            body.append(f'<rect x="{x:.1f}" y="{HEIGHT - _BOTTOM - h:.1f}" width="{bar:.1f}" '
                        f'height="{h:.1f}" fill="{colour}"><title>'
                        f'{escape(f"{labels[i]} {s.name}：{_num(value)}{unit}")}</title></rect>')
            if value:
                # The figure on the bar itself, so nobody has to read it off the axis; zeros stay
                # blank (an empty day is visible as no bar), which keeps 14 days × 4 legible.
                body.append(f'<text class="value" x="{x + bar / 2:.1f}" y="{HEIGHT - _BOTTOM - h - 3:.1f}" '
                            f'font-size="{_value_size(bar)}" text-anchor="middle" fill="#1f2933">'
                            f'{escape(_num(value) + unit)}</text>')
    body += _x_labels(labels, slot)
    return _frame(title, _desc(labels, series, unit), body, series if len(series) > 1 else ())


def line_chart(labels: Sequence[str], series: Sequence[Series], *, title: str,
               unit: str = "") -> Markup:
    """One line per series over the labels (days), with a marker at each value."""
    top, intervals = nice_axis(max((v for s in series for v in s.values), default=0))
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM
    slot = plot_w / max(len(labels), 1)
    body = _axis(top, intervals, unit)
    for j, s in enumerate(series):
        colour = PALETTE[j % len(PALETTE)]
        points = [(_LEFT + slot * (i + 0.5), HEIGHT - _BOTTOM - plot_h * min(max(v, 0) / top, 1))
                  for i, v in enumerate(s.values)]
        if points:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for (x, y), label, value in zip(points, labels, s.values, strict=False):
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"><title>'
                        f'{escape(f"{label} {s.name}：{_num(value)}{unit}")}</title></circle>')
    body += _x_labels(labels, slot)
    return _frame(title, _desc(labels, series, unit), body, series)
