"""The job kinds this service runs, by the name in `render_jobs.kind`.

The worker claims only these kinds: jobs of any other kind stay queued for a
worker (perhaps a newer version of this service) that runs them.
"""
from __future__ import annotations

from listener.jobs.base import JobKind
from listener.jobs.bytebeat import BytebeatKind
from listener.jobs.mix import MixKind


def job_kinds() -> dict[str, JobKind]:
    kinds: list[JobKind] = [BytebeatKind(), MixKind()]
    return {kind.name: kind for kind in kinds}
