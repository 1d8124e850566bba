"""Domain core shared by every face (bot, mini-program API, console): settings, models, services.

A regular package (not a namespace one) so mypy and setuptools map `core/x.py` to `core.x` without
extra flags. Nothing is imported here: importing `core.settings` must not pull in the ORM.
"""
