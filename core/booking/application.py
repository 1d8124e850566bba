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
    # "M" or "F" for services whose places may be split by gender (youth events), else "".
    sex: str = ""


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


def _tomb(body: dict[str, Any], slot_id: int, today: date) -> Application:
    """The booker and 0–4 companions, each named with an ID number (every one takes a place and
    may hold one reservation that day), a phone, and an optional plate."""
    name = rules.parse_name(body.get("name"), "name")
    booker = rules.parse_id_number(body.get("id_number"), "id_number", today).number
    phone = rules.parse_phone(body.get("phone"))
    raw = body.get("companions", [])
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise BookingError("invalid_input", field="companions", detail="同行人员应为列表")
    if len(raw) > rules.MAX_COMPANIONS:
        raise BookingError("invalid_input", field="companions",
                           detail=f"每位预约人最多携同行亲属{rules.MAX_COMPANIONS}人")
    companions: list[dict[str, str]] = []
    seen = {booker}
    for i, person in enumerate(raw):
        where = f"companions[{i}]"
        if not isinstance(person, dict):
            raise BookingError("invalid_input", field=where, detail="请填写同行人员的姓名和身份证号")
        number = rules.parse_id_number(person.get("id_number"), f"{where}.id_number", today).number
        if number in seen:
            raise BookingError("invalid_input", field=f"{where}.id_number",
                               detail="同一人不能重复登记")
        seen.add(number)
        companions.append({"name": rules.parse_name(person.get("name"), f"{where}.name"),
                           "id_number": number})
    plate = rules.parse_plate(body.get("plate"))
    personal: dict[str, Any] = {"name": name, "id_number": booker, "phone": phone,
                                "companions": companions, "plate": plate}
    masked: dict[str, Any] = {
        "name": mask_name(name), "id_number": mask_id_number(booker), "phone": mask_phone(phone),
        "companions": [{"name": mask_name(c["name"]), "id_number": mask_id_number(c["id_number"])}
                       for c in companions],
        "plate": mask_plate(plate) if plate else None}
    return Application(rules.TOMB, slot_id, personal, masked, party_size=1 + len(companions),
                       id_numbers=(booker, *(c["id_number"] for c in companions)))


def mask_plate(plate: str) -> str:
    """沪A12345 → 沪A***45: enough for the gate to match a car, not to look a person up."""
    return plate[:2] + "*" * (len(plate) - 4) + plate[-2:]


def _youth(body: dict[str, Any], slot_id: int, slot_day: date, today: date,
           ages: tuple[int | None, int | None]) -> Application:
    """A 幸福加油站 sign-up: the person themself, of age on the event's day, confirming they are
    single (recorded with the booking, as the resident stated it)."""
    name = rules.parse_name(body.get("name"), "name")
    info = rules.parse_id_number(body.get("id_number"), "id_number", today)
    low = ages[0] if ages[0] is not None else rules.YOUTH_AGES[0]
    high = ages[1] if ages[1] is not None else rules.YOUTH_AGES[1]
    if not low <= rules.age_on(info.birth, slot_day) <= high:
        raise BookingError("invalid_input", field="id_number",
                           detail=f"本场活动限{low}至{high}周岁报名（以活动当天计算）")
    phone = rules.parse_phone(body.get("phone"))
    # Strictly the JSON value true: "true", 1 or a missing box is not a confirmation.
    if body.get("single") is not True:
        raise BookingError("invalid_input", field="single",
                           detail="请勾选确认本人目前为单身（single）后再报名")
    personal = {"name": name, "id_number": info.number, "phone": phone, "single": True}
    masked = {"name": mask_name(name), "id_number": mask_id_number(info.number),
              "phone": mask_phone(phone), "single": True}
    return Application(rules.YOUTH, slot_id, personal, masked, id_numbers=(info.number,),
                       sex=info.sex)


def validate(service: str, body: Any, slot_day: date, today: date, *,
             ages: tuple[int | None, int | None] = (None, None)) -> Application:
    """Checks a body against the contract's per-service shape; raises invalid_input naming the field.
    ``ages`` is the slot's age range (youth events; None ends take the service's default)."""
    if not isinstance(body, dict):
        raise BookingError("invalid_input", field="body", detail="请求内容应为JSON对象")
    slot_id = rules.parse_slot_id(body.get("slot_id"))
    if service in rules.COUPLE_SERVICES:
        return _couple(body, slot_id, service, slot_day, today)
    if service == rules.TOMB:
        return _tomb(body, slot_id, today)
    if service == rules.YOUTH:
        return _youth(body, slot_id, slot_day, today, ages)
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
