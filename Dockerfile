# syntax=docker/dockerfile:1
# Build stage: install engage and its runtime dependencies into a virtual environment.
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
RUN python -m venv /opt/engage
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY storage ./storage
RUN /opt/engage/bin/pip install .

# Run stage: the virtual environment and the example paper, no compilers, no dev dependencies.
FROM python:3.11-slim AS run
RUN useradd --create-home --uid 10001 engage
COPY --from=build /opt/engage /opt/engage
COPY examples /app/examples
WORKDIR /data
RUN chown engage:engage /data
USER engage
ENV PATH=/opt/engage/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    ENGAGE_HOST=0.0.0.0 \
    ENGAGE_PORT=3978 \
    ENGAGE_PAPER=/app/examples/paper \
    ENGAGE_DATABASE_URL=sqlite+aiosqlite:////data/engage.db
EXPOSE 3978
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('ENGAGE_PORT', '3978')}/healthz\", timeout=4)"]
ENTRYPOINT ["engage"]
CMD ["serve"]
