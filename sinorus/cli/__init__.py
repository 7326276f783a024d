"""The command line: typer commands that parse options into a query and hand it on.
"""
