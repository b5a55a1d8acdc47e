"""Incidents: correlation of events, priority, alerts, lifecycle service, SLA escalation,
feedback."""

from kordon.incidents.alerts import AlertReason, IncidentAlert
from kordon.incidents.correlator import (
    CorrelationDecision,
    CorrelationPolicy,
    Correlator,
    IncidentFootprint,
    MatchReason,
)
from kordon.incidents.errors import ConfigurationError, IncidentInputError
from kordon.incidents.feedback import FalseAlarmStats
from kordon.incidents.model import Action, AuditHook, IngestOutcome, IngestResult
from kordon.incidents.priority import PriorityAssessment, PriorityPolicy
from kordon.incidents.service import IncidentService
from kordon.incidents.sla import SlaPolicy

__all__ = [
    "Action",
    "AlertReason",
    "AuditHook",
    "ConfigurationError",
    "CorrelationDecision",
    "CorrelationPolicy",
    "Correlator",
    "FalseAlarmStats",
    "IncidentAlert",
    "IncidentFootprint",
    "IncidentInputError",
    "IncidentService",
    "IngestOutcome",
    "IngestResult",
    "MatchReason",
    "PriorityAssessment",
    "PriorityPolicy",
    "SlaPolicy",
]
