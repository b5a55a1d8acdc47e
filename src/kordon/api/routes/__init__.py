"""Routers of the operator API, one module per resource."""
