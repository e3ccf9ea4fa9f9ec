"""Fault runs (`make chaos`): the real service through crashes, disconnects, a
Postgres restart and a flaky store, checked by an independent auditor."""
