"""A real ``dask.distributed.LocalCluster`` (2 worker processes on 127.0.0.1), started once per pytest process.

The Dask tests carry ``xdist_group("dask")`` (the Makefile runs pytest with ``--dist loadgroup``), so one
pytest worker runs them all on one cluster.  They run in the compiled pass only: the sweep and explore layers
are plain Python either way, and that the engine gives the same results interpreted is what tests/core checks.
"""
import pytest


@pytest.fixture(scope="session")
def dask_client():
    from distributed import Client

    from acrn.sweep import local_cluster

    with local_cluster(2) as cluster, Client(cluster, set_as_default=False) as client:
        yield client
