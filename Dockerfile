# The render service in a container. Needs an external PostgreSQL:
#   docker build -t bytebeat-render .
#   docker run -e DATABASE_URL=postgresql://user:pass@db:5432/app -e ADMIN_TOKEN=... -p 8080:8080 bytebeat-render
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A dedicated unprivileged user; its data directory holds staging files and the local storage.
RUN groupadd --system --gid 10001 bytebeat \
 && useradd --system --uid 10001 --gid bytebeat --home-dir /var/lib/bytebeat-render --shell /usr/sbin/nologin bytebeat \
 && install -d -o bytebeat -g bytebeat -m 0750 /var/lib/bytebeat-render /var/cache/bytebeat-render

WORKDIR /opt/bytebeat-render
COPY pyproject.toml README.md ./
COPY engine ./engine
COPY listener ./listener
COPY sql ./sql
COPY deploy/container-start.sh /usr/local/bin/container-start
# The service runs from this directory (it reads sql/ beside the packages).
RUN pip install . && chmod 0755 /usr/local/bin/container-start

# Inside a container the service must listen on all interfaces to be reachable
# (the default outside is 127.0.0.1); publish the port only where it should be seen.
ENV HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8080 \
    DATA_DIR=/var/lib/bytebeat-render \
    NUMBA_CACHE_DIR=/var/cache/bytebeat-render/numba \
    LOG_FORMAT=json

USER bytebeat
EXPOSE 8080
VOLUME ["/var/lib/bytebeat-render"]
STOPSIGNAL SIGTERM

# /health answers 503 while the LISTEN connection to PostgreSQL is down.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, sys, urllib.request; sys.exit(urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"HTTP_PORT\", \"8080\")}/health', timeout=4).status != 200)"]

# Refuses to start without DATABASE_URL (the embedded PostgreSQL is for development only).
ENTRYPOINT ["container-start"]
CMD ["python", "-m", "listener", "run"]
