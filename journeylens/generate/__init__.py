"""The seeded broadband-provider world with planted truths, and the demo workspace built on it.

* :mod:`~journeylens.generate.world` — the world's model (customers, journeys, teams, truths);
* :mod:`~journeylens.generate.generator` — :func:`generate`: events, surveys, churn and
  ``truth.json`` as files (streamed to Parquet in chunks for big worlds);
* :mod:`~journeylens.generate.demo` — :func:`build_demo`: the demo workspace.
"""

from journeylens.generate.demo import build_demo, demo_journeys_path, sample_log_path
from journeylens.generate.generator import SLAS, GeneratedWorld, generate

__all__ = [
    "SLAS",
    "GeneratedWorld",
    "build_demo",
    "demo_journeys_path",
    "generate",
    "sample_log_path",
]
