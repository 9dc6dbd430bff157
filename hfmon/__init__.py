"""hfmon: a terminal monitor for what a Hugging Face account spends."""

__version__ = "0.1.0"
