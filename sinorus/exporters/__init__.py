"""Export formats. Each module registers its functions with ``sinorus.export.exporter``."""
