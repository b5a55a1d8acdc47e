"""HTTP API: health, and the operator API (auth, incidents, map, live feed).

Import :func:`kordon.api.app.create_api` and :class:`kordon.api.context.ApiContext`.
"""
