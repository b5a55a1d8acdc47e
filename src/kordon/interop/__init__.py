"""Interoperability with other systems' formats (Cursor-on-Target, ...)."""
