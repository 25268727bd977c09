"""Pure renderers: each takes snapshot models and returns the text of one report; no I/O."""
