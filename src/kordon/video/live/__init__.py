"""Live video for the operator console: fMP4 over WebSocket into Media Source Extensions.

Modules: ``h264`` and ``fmp4`` (packaging), ``packager``, ``stream`` (one camera, many
viewers), ``masking`` (privacy masks burned into the live stream), ``overlay``,
``clock_stamp`` (delay measurement), ``service`` (what the API uses).
"""
