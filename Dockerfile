# syntax=docker/dockerfile:1
# Front-end assets (GraphiQL and the API reference), pinned by package-lock.json.
FROM node:20-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# Build stage: install the locked dependencies into a virtual environment.
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
RUN python -m venv /opt/venv
COPY requirements.lock ./
RUN /opt/venv/bin/pip install -r requirements.lock
COPY pyproject.toml README.md alembic.ini ./
COPY alembic ./alembic
COPY api ./api
COPY schema ./schema
COPY db ./db
COPY cli ./cli
COPY scripts ./scripts
COPY package.json ./
COPY --from=assets /app/node_modules ./node_modules
RUN /opt/venv/bin/python scripts/build_explorer.py && /opt/venv/bin/python scripts/build_docs_assets.py
RUN /opt/venv/bin/pip install --no-deps .

# Runtime stage: the environment and the files Alembic reads, run as an unprivileged user.
FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 \
    CRISISGRAPH_HOST=0.0.0.0 CRISISGRAPH_PORT=8000 \
    CRISISGRAPH_DATABASE_URL=sqlite:////data/crisisgraph.db
RUN useradd --create-home --uid 10001 crisisgraph && mkdir /data && chown crisisgraph /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --from=build /app/alembic.ini ./
COPY --from=build /app/alembic ./alembic
USER crisisgraph
EXPOSE 8000
VOLUME ["/data"]
HEALTHCHECK CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"CRISISGRAPH_PORT\"]}/healthz')"
# The same start-up as `make run`: migrate, load the seed, serve.
CMD ["sh", "-c", "crisisgraph db upgrade && crisisgraph seed && crisisgraph serve"]
