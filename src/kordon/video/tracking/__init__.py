"""Image tracking: detections from one camera become tracks with stable ids."""
