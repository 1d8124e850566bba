"""The 街镇 data file (core/data/streets.yaml): Baoshan's 3 街道 and 9 镇 plus the industrial park,
stable codes, one adviser station each, and no invented contact details."""

from __future__ import annotations

import pytest

from core import streets as streets_module
from core.streets import parse, streets

DIVISION = ("友谊路街道", "吴淞街道", "张庙街道", "罗店镇", "大场镇", "杨行镇", "月浦镇", "罗泾镇",
            "顾村镇", "高境镇", "庙行镇", "淞南镇")


def test_the_file_lists_every_street_with_its_station() -> None:
    data = streets()
    assert [s.name for s in data.items][:12] == list(DIVISION)
    assert data.get("industrial_park") is not None
    assert all(s.station == f"{s.name}社区救助顾问工作站" for s in data.items)
    # Sample data, said so; hours point to the official notice rather than being made up.
    assert data.sample is True
    assert {s.hours for s in data.items} == {"以街镇社区事务受理服务中心公布为准"}
    text = streets_module.STREETS_FILE.read_text(encoding="utf-8")
    rows = text.split("streets:")[1]
    assert "示例" in text and "电话" not in rows and "地址" not in rows


@pytest.mark.parametrize("raw", [
    None, {"streets": "x"}, {"streets": [{"code": "a", "name": "甲"}]},
    {"streets": [{"code": "a", "name": "甲", "station": "站"}, {"code": "a", "name": "乙", "station": "站"}]},
])
def test_a_broken_file_fails_loudly(raw: object) -> None:
    with pytest.raises(ValueError):
        parse(raw)
