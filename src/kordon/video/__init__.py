"""Video analytics: frame sources, motion, detectors, image tracking, camera pipeline."""
