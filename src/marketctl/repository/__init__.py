"""The config repository as marketctl reads it: sources, loading, layering, markets, settings.

``sources`` (the working tree or a git revision, read from objects), ``loading`` (the one path
from files to documents), ``layering`` (values with provenance across ``_defaults`` →
``_regions`` → market), ``markets`` (the repository model and resolved markets), ``settings``
(``[tool.marketctl]``).
"""
