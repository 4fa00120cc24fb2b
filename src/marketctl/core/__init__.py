"""The vocabulary every floor speaks: errors, findings with positions, YAML documents, dates.

Nothing here knows what a market is. ``errors`` holds the one error base class; ``diagnostics`` the
finding value (made from a code and a location; the rule catalogue rates it later); ``documents``
reads YAML into values that remember their line and column; ``intervals`` is the algebra of dated
validity (``from``/``until``); ``clock`` is today's date. Imports nothing else of marketctl.
"""
