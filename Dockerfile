# Image for docker-compose.yml: the same install as scripts/setup.sh.
FROM python:3.11-slim-bookworm
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
        libpango-1.0-0 libpangoft2-1.0-0 fontconfig fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /srv/power-cis
COPY . .
RUN PYTHON=python3 ./scripts/setup.sh
ENV PATH=/srv/power-cis/.venv/bin:$PATH
EXPOSE 8000
