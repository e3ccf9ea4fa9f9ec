"""The job kinds this service runs, by the name in `render_jobs.kind`.

The worker claims only these kinds: jobs of any other kind stay queued for a
worker (perhaps a newer version of this service) that runs them.
"""
from __future__ import annotations

from typing import Any, Callable

from listener.jobs.base import JobKind
from listener.jobs.bytebeat import BytebeatKind, warm_up_bytebeat_in_process
from listener.jobs.mix import MixKind, warm_up_mix_in_process


def job_kinds() -> dict[str, JobKind]:
    kinds: list[JobKind] = [BytebeatKind(), MixKind()]
    return {kind.name: kind for kind in kinds}


def warm_up_in_process(_payload: Any, _report: Callable[[Any], None]) -> None:
    """Run in every render process at start: each kind's imports and compiles,
    so no first job pays them."""
    warm_up_bytebeat_in_process()
    warm_up_mix_in_process()

