"""Strict site configuration: one YAML file parsed into frozen pydantic models.

Parse once at the edge with :func:`kordon.config.loader.load_site`; pass the typed
:class:`kordon.config.site.SiteConfig` inward.
"""
