"""The explicit list of detectors, in the order their features appear in the model.

Registration is by hand, here: importing a detector module registers nothing.
"""

from __future__ import annotations

from pipeline.detectors.base import Detector
from pipeline.detectors.boilerplate import BoilerplateDetector
from pipeline.detectors.offtopic import OfftopicDetector
from pipeline.detectors.readability import ReadabilityDetector
from pipeline.detectors.spin import SpinDetector

DETECTORS: dict[str, type[Detector]] = {
    "spin": SpinDetector,
    "offtopic": OfftopicDetector,
    "boilerplate": BoilerplateDetector,
    "readability": ReadabilityDetector,
}
DETECTOR_ORDER: tuple[str, ...] = tuple(DETECTORS)
