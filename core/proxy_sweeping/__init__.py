"""Proxy sweeping (代客祭扫, issue #15): families order, staff schedule, sweep, send photos.

``orders`` owns every state change (create → schedule → done, or cancel), each in one transaction
with its audit row and its subscribe-message notification (the booking outbox,
``core.models.Notification``, sent by ``core.booking.reminders``). ``photos`` checks, re-encodes,
stores and signs the photos; ``catalog`` reads and edits places and packages.
"""
