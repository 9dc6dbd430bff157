"""Alerts: threshold checks over a Report, their once-per-crossing state, and their delivery."""
