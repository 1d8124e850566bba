"""#19 "Also": hand-edited console URLs get 4xx, never 500."""

from __future__ import annotations

from tests.content.conftest import ConsoleFactory


async def test_unknown_filters_and_huge_ids_are_not_server_errors(console: ConsoleFactory) -> None:
    admin = await console("admin")
    r = await admin.get("/console/kb", params={"kind": "k" * 17, "category": "c" * 40})
    assert r.status_code == 200  # an unknown filter filters nothing
    for path in (f"/console/slots/{2**63}", f"/console/slots/{10**25}/export",
                 f"/console/notices/{2**31}"):
        r = await admin.get(path)
        assert r.status_code == 404, (path, r.status_code)
    r = await admin.post(f"/console/bookings/{2**63}/no-show")
    assert r.status_code == 404
