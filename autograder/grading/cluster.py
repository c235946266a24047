"""Where grading runs: a Dask cluster, local by default, or one already running elsewhere."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

import dask
import psutil
from distributed import Client, LocalCluster

import course_config
from autograder.grading.worker import WarmStart


def default_workers() -> int:
    """As many workers as cores, fewer if memory cannot hold that many kernels and graders."""
    cores = len(os.sched_getaffinity(0))
    per_worker = course_config.KERNEL_MEMORY_BYTES + course_config.WORKER_MEMORY_BYTES
    return max(1, min(cores, psutil.virtual_memory().total // per_worker))


@contextmanager
def connect(scheduler: str | None = None, workers: int | None = None,
            processes: bool = True) -> Iterator[Client]:
    """A client whose workers are warmed up for grading (see WarmStart).

    With ``scheduler`` (an address such as ``tcp://10.0.0.5:8786``) it joins that cluster;
    otherwise it starts a LocalCluster of ``workers`` single-threaded workers (default:
    :func:`default_workers`), each a process unless ``processes`` is False (threads of this
    process, for tests that change settings in it). Every kernel uses course_config.TF_THREADS
    threads, so parallel kernels do not fight over cores and scores never depend on the load.
    """
    if scheduler:
        with Client(scheduler) as client:
            client.register_plugin(WarmStart())
            yield client
        return
    # Dask samples its workers' stacks every 10 ms for its dashboard; grading needs no profile
    with dask.config.set({"distributed.worker.profile.enabled": False}):
        cluster = LocalCluster(
            n_workers=workers or default_workers(), threads_per_worker=1, processes=processes,
            memory_limit=course_config.WORKER_MEMORY_BYTES if processes else 0,
            dashboard_address=None, silence_logs=logging.ERROR)
    with cluster, Client(cluster) as client:
        client.register_plugin(WarmStart())
        yield client
