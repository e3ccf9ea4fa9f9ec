"""Everything that talks to PostgreSQL: named queries, migrations, the embedded server."""
