"""Export formats. Each module registers its functions with ``sinorus.output.export.exporter``."""
