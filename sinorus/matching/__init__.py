"""Matching what users type: text folding, dates and periods, names, search scores, snippets.

Pure functions over strings and dates, shared by index building and querying;
it imports nothing from the rest of sinorus but errors, i18n and streams.
"""
