"""Where events live: reading sources, mapping columns to roles, ingesting, the workspace's
storage (DuckDB file + YAML), derived tables, export, and the engines expressions run on.
"""
