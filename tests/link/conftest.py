"""Link tests use the database fixtures of ``tests/conftest.py`` (``store`` for the centre)."""
