"""The compiled index: build it from the knowledge base, keep it current, and answer every query.

``db`` is the SQLite file (schema, build, trust checks), ``cache`` decides when
to rebuild it, ``engine`` is the one query engine every command asks.
"""
