"""The savings advisor: what each resource would cost with other settings, in $/month, and how to get there.

Pure functions over a Report, its history and the price catalogs; nothing here applies a change or does I/O.
"""

from hfmon.advice.engine import advise, best_per_resource, total_saving
from hfmon.advice.model import HOURS_PER_MONTH, Advice, AdvisorSettings, Confidence, Finding, HowToApply, ScheduledCost

__all__ = ["HOURS_PER_MONTH", "Advice", "AdvisorSettings", "Confidence", "Finding", "HowToApply", "ScheduledCost",
           "advise", "best_per_resource", "total_saving"]
