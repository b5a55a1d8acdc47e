"""A track's *standing height*: the image height of the person standing there, seen whole.

A person's image height changes with range only, a few per cent a second at most, so the
height last seen whole is remembered and let shrink or grow only
:data:`STANDING_DECAY_PER_S`. A box much shorter than it with its top in place is
occluded at the bottom, however gradually it shrank; a box that grew with one edge in
place is merged with someone else until it has stayed taller for :data:`MERGE_HOLD_S`.

Pure functions over a track's ``standing_h`` (px, ``None``: none yet), ``standing_s``
(when it was set) and ``grown_since_s`` (when its matched boxes began to be taller than
the track, ``None``: they are not); the tracker keeps those values per track.
"""

from __future__ import annotations

import math

MERGE_HOLD_S = 2.0
"""How long a box that *grew* with one edge in place is taken as merged with someone else.
A merge lasts while one person walks past another; a box that stays taller is the person
seen whole again (legs out of the reeds, a track begun while half hidden), and the
track takes its height from then on instead of keeping the occluded one for good."""

STANDING_DECAY_PER_S = 0.05
"""How fast (share per second) a track's *standing height* may shrink or grow. A box that loses
its bottom a few pixels a frame (someone walking into reeds) passed the frame-to-frame
occlusion test every time, since the predicted height shrank with it: the foot point
rose 17 px in 2 s and the ground position ran 10 m ahead of the walker, over the line.
A person's image height changes with range only: 1.5 % a second walking straight at a
camera 100 m off. So the height last seen whole is remembered and let shrink only this
fast, and a box shorter than ``occlusion_height_ratio`` of it with its top in place is
occluded at the bottom, however gradually it shrank. It grows as slowly (two people
overlapping in the picture, one walking away and one toward the camera, grew one box
from 57 to 81 px over 2 s, and the nearer one's feet were then taken as hidden), unless
a taller box stays for :data:`MERGE_HOLD_S` (the person seen whole again)."""


def standing_now(standing_h: float | None, standing_s: float, time_s: float) -> float:
    """The standing height at ``time_s``, shrunk since it was set at ``standing_s``
    (NaN: none yet)."""
    if standing_h is None:
        return math.nan
    dt_s = max(time_s - standing_s, 0.0)
    return float(standing_h * (1.0 - STANDING_DECAY_PER_S) ** dt_s)


def grown_height(
    standing_h: float | None, standing_s: float, height: float, time_s: float
) -> float:
    """``height``, or less: the standing height grows no faster than it may shrink
    (two people overlapping in the picture grow one box a little each frame)."""
    if standing_h is None:
        return float(height)
    dt_s = max(time_s - standing_s, 0.0)
    return float(min(height, standing_h * (1.0 + STANDING_DECAY_PER_S) ** dt_s))


def grown_since(grown_since_s: float | None, grown: bool, time_s: float) -> float | None:
    """When the matched boxes began to be taller than the track, after one more that is
    (``grown``) or is not."""
    if not grown:
        return None
    return time_s if grown_since_s is None else grown_since_s


def merge_over(grown_since_s: float | None, time_s: float) -> bool:
    """Whether the boxes have been taller for :data:`MERGE_HOLD_S` or more: no merge any
    more but the person seen whole again."""
    return grown_since_s is not None and time_s - grown_since_s >= MERGE_HOLD_S


def next_standing(
    standing_h: float | None,
    standing_s: float,
    *,
    now_h: float,
    measured_h: float,
    time_s: float,
    grown_since_s: float | None,
    stretched: bool,
    rebuilt: bool,
) -> float | None:
    """The standing height after a match at ``time_s`` (it is then set at ``time_s``).

    ``now_h`` is the standing height now (:func:`standing_now`, or the predicted height
    where there is none yet), ``measured_h`` the matched box's height after any
    restoration; ``stretched``: taller than ``now_h`` with someone else's feet below;
    ``rebuilt``: its height was restored (occluded or merged).
    """
    if stretched:
        return standing_h  # someone's feet below: the height holds as it is
    if merge_over(grown_since_s, time_s):
        return measured_h  # seen whole again, taller: take it
    if rebuilt or grown_since_s is not None:
        return now_h  # hidden or merged: nothing learnt
    return max(now_h, grown_height(standing_h, standing_s, measured_h, time_s))
