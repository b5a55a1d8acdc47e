"""``/api/stats/false-alarms``: how the incidents each camera and rule raised were judged."""

from fastapi import APIRouter, Depends

from kordon.accounts.roles import Permission
from kordon.api.deps import AuditorDep, ContextDep, Guard, require
from kordon.api.responses import responses
from kordon.api.schemas.stats import FalseAlarmStatsPublic


def router() -> APIRouter:
    r = APIRouter(tags=["stats"])

    @r.get(
        "/api/stats/false-alarms",
        response_model=list[FalseAlarmStatsPublic],
        dependencies=[Depends(require(Permission.READ))],
        summary="False-alarm statistics per camera and rule",
        description=(
            "Resolution counts of the incidents each (source, rule) raised, with the "
            "false-alarm rate; only sources in the user's sectors (a user of every sector "
            "also sees sources that are not cameras). Every read is audited."
        ),
        responses=responses(403),
    )
    def false_alarms(
        context: ContextDep, guard: Guard, auditor: AuditorDep
    ) -> list[FalseAlarmStatsPublic]:
        cameras = {c.id: c for c in context.cameras.cameras()}
        rows: list[FalseAlarmStatsPublic] = []
        for stats in context.incidents.false_alarm_stats():
            camera = cameras.get(stats.source_id)
            sector_id = camera.sector_id if camera is not None else None
            if not guard.user.in_scope(sector_id):
                continue
            rows.append(
                FalseAlarmStatsPublic.of(
                    stats,
                    source_name=camera.name if camera is not None else None,
                    sector_id=sector_id,
                )
            )
        auditor.record("read", "stats:false-alarms", "ok", {"rows": len(rows)})
        return rows

    return r
