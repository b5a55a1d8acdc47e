"""``kordon analyze``: run one camera pipeline over a video file and write its results."""

from kordon.analyze.job import AnalyzeJob, ProgressUpdate
from kordon.analyze.options import AnalyzeError, AnalyzeOptions, LineSpec, ModelChoice, ZoneSpec
from kordon.analyze.summary import AnalyzeSummary

__all__ = [
    "AnalyzeError",
    "AnalyzeJob",
    "AnalyzeOptions",
    "AnalyzeSummary",
    "LineSpec",
    "ModelChoice",
    "ProgressUpdate",
    "ZoneSpec",
]
