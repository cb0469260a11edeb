"""unspun: spin, off-topic and boilerplate detection for scraped news.

An article flows read -> detect -> features -> classify -> write:
``pipeline.io.readers`` -> ``pipeline.detectors`` -> ``pipeline.features`` ->
``pipeline.model`` -> ``pipeline.io.writers``; ``pipeline.scoring`` ties them together.
"""

__version__ = "0.1.0"
