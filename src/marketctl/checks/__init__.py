"""What is wrong with a repository: schemas, the rule catalogue, message analysis, reports.

``schemas`` maps JSON Schema errors to exact positions, ``rules/`` holds one module per rule (its
docstring is its documentation), ``messageformat`` and ``coverage`` analyse ICU messages and
translations, ``validation`` runs all of it for a set of markets, ``reporters`` render a report.
Findings are values; nothing here prints.
"""
