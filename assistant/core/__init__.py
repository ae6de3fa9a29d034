"""The shared kernel: settings, errors, record types, text, and the catalog and index stores both stages use.

It imports nothing from the layers above it (query, ingest, app, ui).
"""
