"""A booking request body, validated per service into an ``Application`` (still pure Python)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from core.booking import rules
from core.booking.errors import BookingError
from core.crypto import mask_id_number, mask_name, mask_phone


@dataclass(frozen=True)
class Application:
    service: str
    slot_id: int
    personal: dict[str, Any]  # plaintext personal data: encrypted before it is stored
    masked: dict[str, Any]  # what responses show
    party_size: int = 1
    id_numbers: tuple[str, ...] = field(default=())  # for the per-person uniqueness rules


def _obj(body: Any, name: str) -> dict[str, Any]:
    value = body.get(name) if isinstance(body, dict) else None
    if not isinstance(value, dict):
        raise BookingError("invalid_input", field=name, detail="请填写当事人信息")
    return value


def _couple(body: dict[str, Any], slot_id: int, service: str, slot_day: date,
            today: date) -> Application:
    people = []
    for key in ("party_a", "party_b"):
        person = _obj(body, key)
        name = rules.parse_name(person.get("name"), f"{key}.name")
        info = rules.parse_id_number(person.get("id_number"), f"{key}.id_number", today)
        if rules.age_on(info.birth, slot_day) < rules.MIN_AGE[info.sex]:
            who, need = ("男" if info.sex == "M" else "女"), rules.MIN_AGE[info.sex]
            raise BookingError("invalid_input", field=f"{key}.id_number",
                               detail=f"未达法定婚龄（{who}方须年满{need}周岁）")
        people.append((name, info))
    if people[0][1].number == people[1][1].number:
        raise BookingError("invalid_input", field="party_b.id_number", detail="双方不能是同一人")
    phone = rules.parse_phone(body.get("phone"))
    personal = {"party_a": {"name": people[0][0], "id_number": people[0][1].number},
                "party_b": {"name": people[1][0], "id_number": people[1][1].number},
                "phone": phone}
    masked = {"party_a": {"name": mask_name(people[0][0]),
                          "id_number": mask_id_number(people[0][1].number)},
              "party_b": {"name": mask_name(people[1][0]),
                          "id_number": mask_id_number(people[1][1].number)},
              "phone": mask_phone(phone)}
    return Application(service, slot_id, personal, masked,
                       id_numbers=(people[0][1].number, people[1][1].number))


def validate(service: str, body: Any, slot_day: date, today: date) -> Application:
    """Checks a body against the contract's per-service shape; raises invalid_input naming the field."""
    if not isinstance(body, dict):
        raise BookingError("invalid_input", field="body", detail="请求内容应为JSON对象")
    slot_id = rules.parse_slot_id(body.get("slot_id"))
    if service in rules.COUPLE_SERVICES:
        return _couple(body, slot_id, service, slot_day, today)
    name = rules.parse_name(body.get("name"), "name")
    phone = rules.parse_phone(body.get("phone"))
    personal: dict[str, Any] = {"name": name, "phone": phone}
    masked: dict[str, Any] = {"name": mask_name(name), "phone": mask_phone(phone)}
    if service == rules.ECO_BURIAL:
        burial = body.get("burial_type")
        if burial not in rules.BURIAL_TYPES:
            raise BookingError("invalid_input", field="burial_type",
                               detail="请选择安葬方式：海葬、树葬、草坪葬、花坛葬、撒散或其他")
        masked["burial_type"] = personal["burial_type"] = burial
        return Application(service, slot_id, personal, masked)
    if service == rules.CHARITY:
        size = body.get("party_size", 1)
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 5:
            raise BookingError("invalid_input", field="party_size", detail="报名人数应为1至5人")
        masked["party_size"] = personal["party_size"] = size
        return Application(service, slot_id, personal, masked, party_size=size)
    if service == rules.SOCIAL_ORG:
        topic = body.get("topic", "other")
        if topic not in rules.SOCIAL_ORG_TOPICS:
            raise BookingError("invalid_input", field="topic",
                               detail="请选择咨询事项：成立、变更、年检年报或其他")
        masked["topic"] = personal["topic"] = topic
        return Application(service, slot_id, personal, masked)
    raise BookingError("invalid_input", field="service", detail="未知的预约服务")
