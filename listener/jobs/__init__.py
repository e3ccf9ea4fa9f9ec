"""Job handlers: one module per kind of job. Each turns a claimed job into a result."""
