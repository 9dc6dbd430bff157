"""hfmon: a terminal monitor for what a Hugging Face account spends."""

from hfmon.fastclasses import install as _install_fast_dataclasses

__version__ = "0.1.0"

_install_fast_dataclasses()  # before any hfmon dataclass is created: a quarter of start-up was creating them
