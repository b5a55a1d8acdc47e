"""Site tracker: observations from every sensor fused into one picture of the site.

Stone Soup's roles, our own vectorised code: ``predictor`` (constant velocity, metres),
``measurement`` (per-sensor measurement models), ``updater`` (Kalman), ``hypothesiser``
(Mahalanobis gating), ``associator`` (global nearest neighbour), ``initiator`` (M of N),
``deleter`` (coasting and covariance growth), ``reorder`` (bounded-lag re-ordering),
``screening`` and ``flood`` (bad input), and ``tracker`` tying them together.
"""
