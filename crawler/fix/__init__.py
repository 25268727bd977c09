"""``python -m crawler fix``: propose registry edits from the newest snapshot, and make them in place.

``plan`` decides what to change and why (pure), ``https`` checks ``https://`` forms with the
link checker, ``edit`` writes the changes into the registry's text without touching anything else.
"""

from crawler.fix.plan import ArchiveSuggestion, Change, Edit, FixPlan, https_candidates, plan_fixes

__all__ = ["ArchiveSuggestion", "Change", "Edit", "FixPlan", "https_candidates", "plan_fixes"]
