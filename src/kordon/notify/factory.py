"""``build_notifiers``: the running notifiers of a site's ``notifiers`` entries.

Secrets come from the environment variables the entries name; a missing one is a
``NotifierConfigError`` at build time, before anything starts. ``cot`` entries are not
built here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from kordon.bus.protocol import Bus
from kordon.config.integrations import MqttNotifier, NotifierConfig, WebhookNotifier
from kordon.domain.status import DeviceStatus
from kordon.notify.env_secrets import MIN_SECRET_BYTES, secret_from_env
from kordon.notify.mqtt import MqttNotifierService
from kordon.notify.webhook import WebhookNotifierService

NotifierService = MqttNotifierService | WebhookNotifierService


def build_notifiers(
    configs: Sequence[NotifierConfig],
    bus: Bus,
    *,
    site_id: str,
    environ: Mapping[str, str],
    clock: Callable[[], datetime],
    resolve_path: Callable[[str], Path] = Path,
    on_status: Callable[[DeviceStatus], None] | None = None,
) -> list[NotifierService]:
    """One service per ``mqtt`` and ``webhook`` entry, in the order of the file."""
    built: list[NotifierService] = []
    for config in configs:
        if isinstance(config, MqttNotifier):
            password = (
                secret_from_env(
                    environ, config.password_env, what=f"mqtt notifier {config.id!r} password"
                )
                if config.password_env is not None
                else None
            )
            built.append(
                MqttNotifierService(
                    config,
                    bus,
                    client_id=config.client_id or f"kordon-{site_id}-{config.id}"[:128],
                    clock=clock,
                    password=password,
                    resolve_path=resolve_path,
                    on_status=on_status,
                )
            )
        elif isinstance(config, WebhookNotifier):
            secret = secret_from_env(
                environ,
                config.secret_env,
                what=f"webhook notifier {config.id!r} secret",
                min_bytes=MIN_SECRET_BYTES,
            )
            built.append(
                WebhookNotifierService(config, bus, secret=secret, clock=clock, on_status=on_status)
            )
    return built
