"""Run the partitions of a facts build on a Dask cluster, or on a LocalCluster made here.

Dask brings what a home-made scheduler would not: workers on many machines (dask-jobqueue,
dask-kubernetes, cloud providers), retries when a worker is lost, and a dashboard. Only
``imagelint facts build --scheduler`` imports this module, and with it Dask.
"""
from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence

from imagelint.facts.bundle import FactsBundle
from imagelint.facts.partition import Partition, inspect_partition

#: Retries of a partition whose worker raised; a lost worker is handled by the scheduler itself
#: (its tasks go to other workers, up to the ``distributed.scheduler.allowed-failures`` setting).
RETRIES = 2


class ClusterUnavailable(Exception):
    """Dask is not installed or the scheduler cannot be reached; one-line message."""


def run_on_cluster(
    parts: Sequence[Partition],
    scheduler: str,
    on_bundle: Callable[[FactsBundle], None],
    on_client: Callable[[Any], None] = lambda client: None,
) -> None:
    """Hand every partition's bundle to ``on_bundle`` as it arrives, in completion order."""
    with connect(scheduler) as client:
        on_client(client)
        from dask.distributed import as_completed

        futures = [client.submit(inspect_partition, part, key=part.name, retries=RETRIES) for part in parts]
        for future, bundle in as_completed(futures, with_results=True):
            on_bundle(bundle)
            future.release()  # the result is stored by the caller; the cluster need not keep it


@contextmanager
def connect(scheduler: str) -> Iterator[Any]:
    """A Dask client of the scheduler at ``scheduler``, or of a LocalCluster started for "local"."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise ClusterUnavailable(
            "--scheduler needs Dask's distributed scheduler: pip install 'imagelint[dask]'") from None
    if scheduler == "local":
        with LocalCluster(processes=True, threads_per_worker=1, dashboard_address=":0",
                          silence_logs=50) as cluster, Client(cluster) as client:
            _announce(client)
            yield client
        return
    try:
        client = Client(scheduler, timeout="30s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterUnavailable(f"could not reach the Dask scheduler at {scheduler}: {exc}") from None
    with client:
        _announce(client)
        yield client


def _announce(client: Any) -> None:
    workers = len(client.scheduler_info().get("workers", {}))
    print(f"imagelint: Dask cluster of {workers} workers, dashboard {client.dashboard_link}", file=sys.stderr)
