"""Settings of the ByteTrack-style image tracker (strict, bounded, documented)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ByteTrackConfig(BaseModel):
    """How detections are associated, when tracks are confirmed, and when they are dropped."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    high_score: float = Field(
        0.5, ge=0.0, le=1.0, title="High score", description="Detections at or above this score "
        "are associated first and may start tracks."
    )  # fmt: skip
    low_score: float = Field(
        0.1, ge=0.0, le=1.0, title="Low score", description="Detections between this and "
        "`high_score` only extend existing, moving tracks (second association)."
    )  # fmt: skip
    new_track_score: float = Field(
        0.5, ge=0.0, le=1.0, title="New-track score",
        description="Minimum score of an unmatched detection to start a tentative track "
        "(a person 13 px tall, 600 m from a 20° camera, scores 0.35-0.65 on NanoDet)."
    )  # fmt: skip
    small_box_h_px: float = Field(
        24.0, ge=0.0, le=1000.0, title="Small-box height",
        description="Boxes shorter than this many pixels have their score thresholds "
        "(`high_score`, `low_score`, `new_track_score`) scaled down, reaching "
        "`small_box_score_factor` at half this height: NanoDet scores a person 13 px tall "
        "(600 m from a 20° tower camera) 0.35-0.5 where the same person at 30 px scores "
        "0.8. Lost tracks of such boxes are also kept `max_lost_moving_s`, as if moving "
        "(a walker 600 m away heading for the camera stays on the same pixels). 0 disables."
    )  # fmt: skip
    small_box_score_factor: float = Field(
        0.75, gt=0.0, le=1.0, title="Small-box score factor",
        description="Threshold scale for the smallest boxes (see `small_box_h_px`)."
    )  # fmt: skip
    match_iou: float = Field(
        0.2, gt=0.0, le=1.0, title="First-stage IoU",
        description="Minimum IoU between a predicted track box and a high-score detection."
    )  # fmt: skip
    low_match_iou: float = Field(
        0.5, gt=0.0, le=1.0, title="Second-stage IoU",
        description="Minimum IoU for a low-score detection to extend a track."
    )  # fmt: skip
    tentative_match_iou: float = Field(
        0.3, gt=0.0, le=1.0, title="Tentative IoU",
        description="Minimum IoU for a tentative track to take a leftover high-score detection."
    )  # fmt: skip
    class_switch_cost: float = Field(
        0.3, ge=0.0, le=1.0, title="Class-switch penalty",
        description="Added to the 1 - IoU cost when a detection's class differs from the track's."
    )  # fmt: skip
    low_score_min_speed_hps: float = Field(
        0.1, ge=0.0, le=100.0, title="Motion gate",
        description="A track takes low-score detections only while its estimated speed is at "
        "least this many box heights per second, so static clutter cannot keep a track alive. "
        "0 disables the gate."
    )  # fmt: skip
    low_score_hold_s: float = Field(
        5.0, ge=0.0, le=600.0, title="Low-score hold",
        description="A track that had a high-score match this recently takes low-score "
        "detections even when it does not move in the image (a distant person walking "
        "toward or away from the camera); static clutter scoring low is dropped this long "
        "after its last high score. 0: only moving tracks take low-score detections. "
        "(A person walking toward a tower 100 m away moves 0.14 box heights/s and, seen "
        "from the front, scores 0.35-0.6 for seconds on end: 2 s lost them at the line.)"
    )  # fmt: skip
    confirm_hits: int = Field(
        3, ge=1, le=100, title="Hits to confirm",
        description="High-score matches (the first included) after which a track is confirmed."
    )  # fmt: skip
    tentative_max_misses: int = Field(
        3, ge=1, le=100, title="Tentative misses",
        description="Consecutive updates without a match that delete a tentative track "
        "(small, distant people score around the high threshold and miss it now and then)."
    )  # fmt: skip
    max_lost_s: float = Field(
        1.5, gt=0.0, le=600.0, title="Max lost time",
        description="Seconds a confirmed track survives without a match before it is removed "
        "(unless it was moving: see `max_lost_moving_s`)."
    )  # fmt: skip
    max_lost_moving_s: float = Field(
        5.0, gt=0.0, le=600.0, title="Max lost time, moving",
        description="Seconds a confirmed track that was moving when lost (estimated speed at "
        "least `low_score_min_speed_hps`) survives without a match: people walking behind "
        "a post, a tree or each other keep their id. Never shorter than `max_lost_s`. Lost "
        "tracks are only recovered by high-score detections of their own class."
    )  # fmt: skip
    recovery_gate_h: float = Field(
        0.5, gt=0.0, le=10.0, title="Recovery gate",
        description="A lost track whose predicted box no longer overlaps a leftover "
        "high-score detection still takes it when the detection's centre is within this "
        "many box heights of the track's predicted or last seen centre."
    )  # fmt: skip
    recovery_gate_growth_hps: float = Field(
        0.5, ge=0.0, le=10.0, title="Recovery gate growth",
        description="Box heights per second lost added to the recovery gate: the longer a "
        "track is unseen, the less sure its position."
    )  # fmt: skip
    edge_gate_h: float = Field(
        0.35, ge=0.0, le=10.0, title="Edge gate",
        description="A detection is only associated with a track when its top or its bottom "
        "edge lies within this many box heights of the track's predicted edge (plus "
        "`recovery_gate_growth_hps` per second the track went unseen): a box whose top and "
        "bottom both jumped belongs to someone else, e.g. a person at another range "
        "overlapping in the image. 0 disables."
    )  # fmt: skip
    occlusion_height_ratio: float = Field(
        0.8, ge=0.0, lt=1.0, title="Occlusion ratio",
        description="A matched box shorter than this fraction of the predicted height, with "
        "its top edge where predicted, is taken as occluded at the bottom: the track keeps "
        "its predicted height so the foot point does not jump. 0 disables."
    )  # fmt: skip
    report_lost: bool = Field(
        False, title="Report lost tracks",
        description="Also report confirmed tracks that were not matched in this update, at "
        "their predicted boxes."
    )  # fmt: skip
    position_accel_hps2: float = Field(
        2.0, gt=0.0, le=1000.0, title="Acceleration noise",
        description="Kalman white-acceleration density of the box centre, box heights per s²."
    )  # fmt: skip
    measurement_std_h: float = Field(
        0.05, gt=0.0, le=1.0, title="Measurement noise",
        description="Standard deviation of detector boxes, in box heights."
    )  # fmt: skip

    @model_validator(mode="after")
    def _check_order(self) -> ByteTrackConfig:
        if self.low_score > self.high_score:
            raise ValueError(
                f"low_score ({self.low_score}) must not exceed high_score ({self.high_score})"
            )
        if self.new_track_score < self.high_score:
            raise ValueError(
                f"new_track_score ({self.new_track_score}) must be >= high_score "
                f"({self.high_score})"
            )
        return self
