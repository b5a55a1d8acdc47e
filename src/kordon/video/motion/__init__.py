"""Motion: background subtraction, regions of interest, and a motion-only detector."""

from kordon.video.motion.config import MotionConfig
from kordon.video.motion.detector import MotionOnlyDetector
from kordon.video.motion.result import MotionResult
from kordon.video.motion.segmenter import MotionError, MotionSegmenter

__all__ = ["MotionConfig", "MotionError", "MotionOnlyDetector", "MotionResult", "MotionSegmenter"]
