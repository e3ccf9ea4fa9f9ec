"""End-to-end helpers for the tests: the service process lives in chaos/service.py
(`make chaos` drives the same class)."""
from chaos.service import ROOT, ServiceProcess, free_port, post_state, wait_for  # noqa: F401
