"""Shared rules, one copy each, used by every layer: SQL quoting, JSON-plain values, formats,
activity patterns, Arrow IPC frames.  Imports nothing of journeylens but :mod:`journeylens.errors`.
"""
