"""The query stage: retrieval, question analysis, evidence selection, short answers, generation, citations and
register queries. It imports only :mod:`assistant.core`."""
