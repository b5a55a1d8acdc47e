# Mosquitto from Debian's packages, for deploy/compose.offline.yaml: the same interface
# as the eclipse-mosquitto image that deploy/compose.yaml names (config in
# /mosquitto/config/mosquitto.conf, data in /mosquitto/data, the broker running as uid
# 1883), for hosts that reach Debian's mirror but not Docker Hub. Build context:
# deploy/images.
ARG BASE=debian:bookworm-slim
FROM ${BASE}
# uid/gid 1883 before the package makes its own user: the credentials service of
# deploy/compose.yaml hands the generated passwd and acl to 1883.
RUN groupadd --system --gid 1883 mosquitto \
    && useradd --system --uid 1883 --gid 1883 --home-dir /mosquitto/data \
       --shell /usr/sbin/nologin mosquitto \
    && apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends mosquitto \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /mosquitto/config /mosquitto/data /mosquitto/log \
    && printf 'listener 1883\nallow_anonymous false\n' > /mosquitto/config/mosquitto.conf \
    && chown -R mosquitto:mosquitto /mosquitto
VOLUME /mosquitto/data
EXPOSE 1883 8883
# Started as root, the broker drops to the mosquitto user (uid 1883) after binding.
CMD ["/usr/sbin/mosquitto", "-c", "/mosquitto/config/mosquitto.conf"]
