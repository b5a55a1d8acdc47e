"""Scene simulator: synthetic video with exact ground truth for tests and the demo.

Modules: ``scenario`` (actors, backgrounds), ``trajectory`` (exact positions in time),
``projector`` (path plane → pixels), ``background``, ``figures`` and ``render`` (pixels),
``ground_truth`` (crossings, MOT export), ``source`` (a frame source), ``scenes`` (named
scenarios).
"""
