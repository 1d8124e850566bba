"""Bot tests may also drive the console (a crisis message shows up for staff)."""

from tests.content.conftest import console  # noqa: F401 (a fixture, used by name)
