# Production image for docker-compose.yml (docs/deployment.md).
# Stage 1 installs what scripts/setup.sh installs, without the test tools;
# it needs Node.js and npm only to fetch the sao web client.
FROM python:3.11-slim-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
        libpango-1.0-0 libpangoft2-1.0-0 fontconfig fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /srv/power-cis
COPY . .
RUN PYTHON=python3 ./scripts/setup.sh --production \
    && rm -rf sao/node_modules/.cache var/setup-*.log

# Stage 2: the runtime only (no compiler, no Node.js, no pytest or browser),
# run as the unprivileged user tryton.
FROM python:3.11-slim-bookworm
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 fontconfig fonts-noto-cjk \
        postgresql-client tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system tryton \
    && useradd --system --gid tryton --home-dir /srv/power-cis tryton \
    && mkdir -p /var/lib/trytond /var/log/trytond /backups \
    && chown tryton:tryton /var/lib/trytond /var/log/trytond /backups
WORKDIR /srv/power-cis
COPY --from=build --chown=tryton:tryton /srv/power-cis /srv/power-cis
ENV PATH=/srv/power-cis/.venv/bin:$PATH \
    POWER_CIS_ROOT=/srv/power-cis \
    TRYTOND_CONFIG=/srv/power-cis/docker/trytond.conf \
    TRYTOND_LOGGING_CONFIG=/srv/power-cis/docker/logging.conf \
    TRYTOND_DATABASE__PATH=/var/lib/trytond \
    TZ=Asia/Tokyo
USER tryton
EXPOSE 8000
CMD ["gunicorn", "-c", "/srv/power-cis/docker/gunicorn.conf.py", "trytond.application:app"]
