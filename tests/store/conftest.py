"""Store tests use the database fixtures of ``tests/conftest.py`` (``db_url``, ``store``)."""
