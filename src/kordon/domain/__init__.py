"""Pure domain types: no I/O, no clocks, no third-party services."""
