"""The central server (``kordon central CONFIG``): every outpost's link into one PostgreSQL
store, and the operator API and UI over it (docs/edge-central.md)."""
