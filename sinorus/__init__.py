"""sinorus: a cited timeline and fact lookup for China–Russia relations."""

__version__ = "0.1.0"
