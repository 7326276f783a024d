"""The knowledge base: the record model, reading and writing its files, validation and `check`.

The YAML and JSON Lines files are the source of truth; this package reads them
into records (or streams them, record by record, into the index) and proves
every citation against its article. It imports nothing from index, output or cli.
"""
