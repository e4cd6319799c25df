"""Measuring the detectors: metrics, evaluation runs and reports (uses the engine; nothing below imports it)."""
