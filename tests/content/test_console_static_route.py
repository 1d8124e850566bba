"""The console's catch-all 404 page must never shadow a real console path (its static files)."""

from __future__ import annotations

import httpx


async def test_static_files_are_served_to_anonymous_visitors(client: httpx.AsyncClient) -> None:
    # The login page loads its stylesheet before anyone signs in: a redirect here would also
    # replace the login form's CSRF cookie and refuse the next sign-in.
    r = await client.get("/console/static/console.css")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")
