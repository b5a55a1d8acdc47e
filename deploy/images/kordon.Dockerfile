# Kordon on Debian's Python, for deploy/compose.offline.yaml: the same image as
# deploy/Dockerfile (user 10001, /srv/kordon, ENTRYPOINT kordon) without the node and
# python images from Docker Hub. The web UI is not built here: build it on the host first
# (`make web`, which leaves web/dist). Build context: the repository root.
ARG BASE=debian:bookworm-slim
FROM ${BASE}
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PATH=/opt/venv/bin:$PATH
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       python3 python3-venv ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && python3 -m venv /opt/venv
WORKDIR /opt/kordon
COPY pyproject.toml constraints.txt README.md ./
COPY src/ src/
# Editable: the package stays in /opt/kordon/src, so /opt/kordon/web/dist is the UI it serves.
RUN pip install -c constraints.txt -e .
COPY web/dist/ /opt/kordon/web/dist/
RUN test -f /opt/kordon/web/dist/index.html \
    && useradd --system --uid 10001 --home /srv/kordon kordon \
    && mkdir -p /srv/kordon/central-data /srv/kordon/data /srv/kordon/mqtt \
    && chown -R kordon /srv/kordon
USER kordon
ENTRYPOINT ["kordon"]
