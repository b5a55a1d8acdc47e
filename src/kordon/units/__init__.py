"""Patrol units: a register of units (name, callsign, sector, status) that incidents dispatch.

Import the modules directly (``kordon.units.service`` and so on): this package's
``__init__`` imports nothing, because ``kordon.store.models`` imports ``kordon.units.rows``
to register the ``units`` table on the shared ORM metadata.
"""
