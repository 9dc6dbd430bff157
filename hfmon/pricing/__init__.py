"""Prices for hfmon: live catalogs from a Snapshot, a bundled dated fallback, and config overrides."""

from hfmon.pricing.catalog import (
    Bundled,
    Catalog,
    PriceOverrides,
    Table,
    TokenPrice,
    build_catalog,
    load_bundled,
    parse_bundled,
)

__all__ = ["Bundled", "Catalog", "PriceOverrides", "Table", "TokenPrice", "build_catalog", "load_bundled",
           "parse_bundled"]
