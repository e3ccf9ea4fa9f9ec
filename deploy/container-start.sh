#!/bin/sh
# Entry point of the container image: the embedded PostgreSQL that the service
# starts when DATABASE_URL is unset is for development only, so a container
# without DATABASE_URL stops here with one line saying what is missing.
set -eu
if [ -z "${DATABASE_URL:-}" ]; then
    echo "cannot start: DATABASE_URL is not set: the container needs an external PostgreSQL (postgresql://user:password@host:5432/db)" >&2
    exit 2
fi
exec "$@"
