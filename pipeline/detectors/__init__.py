"""Detectors: each reads a :class:`~pipeline.text.Document` and returns features + findings.

Detectors only report evidence (spans with a kind, score and reason, and numeric features);
the reliability model in :mod:`pipeline.model` decides. The explicit list of detectors lives
in :mod:`pipeline.detectors.registry`.
"""
