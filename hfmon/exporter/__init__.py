"""`hfmon exporter`: Prometheus metrics of Reports (command, metrics, runtime)."""
