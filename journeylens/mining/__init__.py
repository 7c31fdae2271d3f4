"""The process-mining core as Ibis expressions (DuckDB or PySpark): cases, DFG, variants,
statistics, filters and the Disco-like process map.
"""
