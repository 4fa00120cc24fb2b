"""What the CLI's commands do, one module each: build and bundle, diff, explain, scaffold, ruledocs.

Each takes a repository (or a source) and returns values or writes files atomically; ``cli.py``
renders them. The commands may use every floor below.
"""
