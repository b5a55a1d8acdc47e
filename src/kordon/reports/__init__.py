"""Reports people read: sector and funding-project reports as HTML and PDF, rendered offline.

See docs/reports.md. Building a report has three steps, one module each: gather the facts
(``sector_source``, or a ``ProjectRegister`` for projects), lay them out as a
``ReportDocument`` (``sector``, ``project``), render it (``html_render``, ``pdf_render``).
``generate`` writes the file, hashes it and hands the hash to the evidence ledger.
"""
