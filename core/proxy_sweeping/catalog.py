"""Places and packages: what the family chooses from, and what staff define.

Both are staff-configured; the shipped rows are samples marked 示例 (migration 0016), with no
address or phone, until the bureau enters its real cemeteries, columbaria and services.
"""

from __future__ import annotations

import re

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core import audit
from core.booking.errors import BookingError
from core.booking.rules import normalise
from core.models import Place, SweepPackage
from core.proxy_sweeping.commands import SavePackage, SavePlace

KINDS = {"cemetery": "墓园", "columbarium": "骨灰堂"}
_CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
NAME_MAX, DESCRIPTION_MAX = 60, 500
PLACE_NAME_MAX, NOTE_MAX = 100, 200


async def active_places() -> list[Place]:
    return await Place.filter(active=True).order_by("id").limit(200)


async def active_packages() -> list[SweepPackage]:
    return await SweepPackage.filter(active=True).order_by("id").limit(100)


async def find_place(wanted: str) -> Place:
    """An active place by its code or its exact name."""
    place = await Place.filter(active=True, code=normalise(wanted).lower()).first() or \
        await Place.filter(active=True, name=wanted.strip()).first()
    if place is None:
        raise BookingError("invalid_input", field="place", detail="请选择有效的祭扫地点")
    return place


async def find_package(wanted: str) -> SweepPackage:
    package = await SweepPackage.filter(active=True, code=normalise(wanted).lower()).first() or \
        await SweepPackage.filter(active=True, name=wanted.strip()).first()
    if package is None:
        raise BookingError("invalid_input", field="package", detail="请选择有效的代祭扫服务套餐")
    return package


def _checked(cmd: SavePackage) -> tuple[str, str, str]:
    # Names keep their full-width punctuation（示例）: NFKC would turn it into ASCII.
    code, name = normalise(cmd.code).lower(), " ".join(cmd.name.split())
    description = cmd.description.strip()
    if not _CODE_RE.match(code):
        raise BookingError("proxy_package_code")
    if not name or len(name) > NAME_MAX:
        raise BookingError("proxy_package_name")
    if len(description) > DESCRIPTION_MAX:
        raise BookingError("proxy_package_description")
    return code, name, description


def _fields(p: SweepPackage) -> dict[str, object]:
    return {"code": p.code, "name": p.name, "description": p.description, "photos": p.photos,
            "active": p.active}


async def save_package(cmd: SavePackage) -> SweepPackage:
    """Creates or edits a package, with its audit row. A package's code is its identity for the
    mini-program, so it cannot change once created."""
    code, name, description = _checked(cmd)
    try:
        async with in_transaction() as conn:
            if cmd.package_id is None:
                package = await SweepPackage.create(code=code, name=name, description=description,
                                                    photos=cmd.photos, using_db=conn)
                await audit.record(cmd.actor, "proxy.package_create", f"proxy_package:{package.id}",
                                   after=_fields(package), conn=conn)
                return package
            package = await _get(cmd.package_id)
            before = _fields(package)
            package.name, package.description, package.photos = name, description, cmd.photos
            package.sample = package.sample and name == before["name"]  # renamed: now the bureau's
            await package.save(using_db=conn)
            await audit.record(cmd.actor, "proxy.package_update", f"proxy_package:{package.id}",
                               before=before, after=_fields(package), conn=conn)
            return package
    except IntegrityError:
        raise BookingError("proxy_package_code_taken") from None


async def set_active(actor: str, package_id: int, active: bool) -> SweepPackage:
    """Deactivating hides a package from new orders; orders already placed keep it."""
    async with in_transaction() as conn:
        package = await _get(package_id)
        if package.active != active:
            await SweepPackage.filter(id=package.id).using_db(conn).update(active=active)
            await audit.record(actor, "proxy.package_activate" if active else "proxy.package_deactivate",
                               f"proxy_package:{package.id}", before={"active": package.active},
                               after={"active": active}, conn=conn)
            package.active = active
    return package


async def _get(package_id: int) -> SweepPackage:
    package = await SweepPackage.get_or_none(id=package_id)
    if package is None:
        raise BookingError("proxy_package_not_found")
    return package


def _place_fields(p: Place) -> dict[str, object]:
    return {"code": p.code, "kind": p.kind, "name": p.name, "note": p.note, "active": p.active}


async def save_place(cmd: SavePlace) -> Place:
    """Creates or edits a place (a cemetery or columbarium); its code never changes."""
    code, name, note = normalise(cmd.code).lower(), " ".join(cmd.name.split()), cmd.note.strip()
    if not _CODE_RE.match(code):
        raise BookingError("proxy_place_code")
    if cmd.kind not in KINDS:
        raise BookingError("proxy_place_kind")
    if not name or len(name) > PLACE_NAME_MAX:
        raise BookingError("proxy_place_name")
    if len(note) > NOTE_MAX:
        raise BookingError("proxy_place_note")
    try:
        async with in_transaction() as conn:
            if cmd.place_id is None:
                place = await Place.create(code=code, kind=cmd.kind, name=name, note=note,
                                           using_db=conn)
                await audit.record(cmd.actor, "proxy.place_create", f"place:{place.id}",
                                   after=_place_fields(place), conn=conn)
                return place
            place = await _get_place(cmd.place_id)
            before = _place_fields(place)
            place.kind, place.name, place.note = cmd.kind, name, note
            place.sample = place.sample and name == before["name"]
            await place.save(using_db=conn)
            await audit.record(cmd.actor, "proxy.place_update", f"place:{place.id}",
                               before=before, after=_place_fields(place), conn=conn)
            return place
    except IntegrityError:
        raise BookingError("proxy_place_code_taken") from None


async def set_place_active(actor: str, place_id: int, active: bool) -> Place:
    """Deactivating hides a place from new orders; orders already placed keep it."""
    async with in_transaction() as conn:
        place = await _get_place(place_id)
        if place.active != active:
            await Place.filter(id=place.id).using_db(conn).update(active=active)
            await audit.record(actor, "proxy.place_activate" if active else "proxy.place_deactivate",
                               f"place:{place.id}", before={"active": place.active},
                               after={"active": active}, conn=conn)
            place.active = active
    return place


async def _get_place(place_id: int) -> Place:
    place = await Place.get_or_none(id=place_id)
    if place is None:
        raise BookingError("proxy_place_not_found")
    return place
