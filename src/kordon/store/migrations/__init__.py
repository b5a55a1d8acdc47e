"""Alembic environment and revisions, shipped inside the package and driven from code."""
