"""HTTP API: health now; the operator API (auth, incidents, live feed) builds on it."""
