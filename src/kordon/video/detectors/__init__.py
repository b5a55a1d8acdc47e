"""Object detectors behind one protocol: ``detect(image) -> Detections``."""
