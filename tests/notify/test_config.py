"""Notifier entries of the site file: what is accepted and the messages for what is not."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from kordon.config.integrations import MqttNotifier, WebhookNotifier, WebhookTopic


def _mqtt(**extra: Any) -> MqttNotifier:
    return MqttNotifier.model_validate({"kind": "mqtt", "id": "m", "host": "broker"} | extra)


def _hook(**extra: Any) -> WebhookNotifier:
    return WebhookNotifier.model_validate(
        {"kind": "webhook", "id": "w", "url": "https://example.org/h", "secret_env": "W_SECRET"}
        | extra
    )


def test_mqtt_defaults() -> None:
    m = _mqtt()
    assert (m.port, m.topic_prefix, m.tls, m.publish_tracks, m.queue_size) == (
        1883,
        "kordon",
        False,
        False,
        10_000,
    )


def test_mqtt_accepts_tls_with_credentials() -> None:
    m = _mqtt(
        tls=True,
        port=8883,
        username="edge",
        password_env="KORDON_MQTT_PASSWORD",
        ca_file="ca.pem",
        client_cert_file="c.pem",
        client_key_file="c.key",
        topic_prefix="site/volyn",
    )
    assert (m.username, m.password_env, m.topic_prefix) == (
        "edge",
        "KORDON_MQTT_PASSWORD",
        "site/volyn",
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"topic_prefix": "kordon/#"}, "must not contain"),
        ({"topic_prefix": "kordon/+/x"}, "must not contain"),
        ({"topic_prefix": "/kordon"}, "no leading, trailing or doubled"),
        ({"topic_prefix": "kordon//x"}, "no leading, trailing or doubled"),
        ({"password_env": "PW"}, "password_env needs a username"),
        ({"password": "hunter2"}, "Extra inputs are not permitted"),
        ({"username": "u", "password_env": "lower-case"}, "not an environment variable name"),
        ({"tls": True, "client_cert_file": "c.pem"}, "both client_cert_file and"),
        ({"ca_file": "ca.pem"}, "need tls: true"),
        ({"reconnect_min_s": 30, "reconnect_max_s": 10}, "must not exceed"),
        ({"tracks_max_rate_hz": 0}, "greater than 0"),
        ({"queue_size": 1}, "greater than or equal to 10"),
    ],
)
def test_mqtt_refusals(extra: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _mqtt(**extra)


def test_webhook_defaults() -> None:
    w = _hook()
    assert w.send == [WebhookTopic.EVENTS, WebhookTopic.INCIDENTS, WebhookTopic.ALERTS]
    assert (w.max_attempts, w.backoff_initial_s, w.backoff_max_s) == (5, 1.0, 60.0)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"secret_env": None}, "string"),
        ({"send": ["events", "events"]}, "duplicates"),
        ({"send": []}, "at least 1"),
        ({"send": ["tracks"]}, "'events', 'incidents' or 'alerts'"),
        ({"backoff_initial_s": 10, "backoff_max_s": 5}, "must not exceed"),
        ({"url": "ftp://example.org/x"}, "url scheme must be one of http, https"),
        ({"timeout_s": 0}, "greater than 0"),
        ({"secret": "inline"}, "Extra inputs are not permitted"),
    ],
)
def test_webhook_refusals(extra: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _hook(**extra)


def test_webhook_needs_a_secret_env() -> None:
    with pytest.raises(ValidationError, match="secret_env"):
        WebhookNotifier.model_validate(
            {"kind": "webhook", "id": "w", "url": "https://example.org/h"}
        )
