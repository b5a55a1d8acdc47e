"""``kordon analyze``: run one camera pipeline over a video file and write its results."""
