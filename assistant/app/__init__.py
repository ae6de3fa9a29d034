"""The application layer: the composition root, the one service the CLI and the UI call, the CLI itself, the
gold-set evaluation and the local LLM server. It may import every layer below it (query, ingest, core).
"""
