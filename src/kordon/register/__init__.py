"""The equipment register: what the donors paid for, where each serial is, who holds it,
whether it works (issue 16).

Domain types (one concept per module), the service that changes the register (every
change an append-only history entry and an audit entry in the evidence ledger), the
importer and exporter of spreadsheets, QR labels, device uptime per networked asset, and
read-only queries for the reports.
"""
