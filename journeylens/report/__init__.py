"""The shareable report: one self-contained HTML file (inline CSS and SVG), JSON or Markdown.

See :mod:`journeylens.report.document`; the templates are in ``report/templates``.
"""

from journeylens.report.document import ReportFormat, render_report, report_data, write_report

__all__ = ["ReportFormat", "render_report", "report_data", "write_report"]
