"""gunicorn's settings, the same for production (Dockerfile), `make run` and the
benchmark (bench/run, bench/load.py). Command lines add only where to listen.

Sync workers, one request per process. Clinic's pages are Python-bound (queries,
rule 10's arithmetic, templates): threads of one process take turns at the
interpreter lock, and every round trip to PostgreSQL hands it over and queues for
it again, so on two cores 3 workers × 4 threads served the audit log at half the
rate of 4 sync workers, with 2.5 times the 95th percentile (bench/results.md).
The slow-client weakness of sync workers is the proxy's to absorb: nginx buffers
requests and responses in front of them (deploy/nginx/clinic.conf).
"""

import gc
import os

worker_class = "sync"
# Two per CPU this process may run on (2, 4, 5 and 6 measured within 10% of each
# other on two cores; the second covers the time a request waits on PostgreSQL).
# At most 8 unless WEB_WORKERS says otherwise: a container sees every CPU of its
# host, and each worker holds the app (~140 MB) and a database connection; scale
# with more web containers instead. (Not gunicorn's WEB_CONCURRENCY: gunicorn
# fails to start when that one is set but empty, as compose passes an unset one.)
workers = int(os.environ.get("WEB_WORKERS") or min(2 * len(os.sched_getaffinity(0)), 8))
# A request's time limit: the slowest page (a year's program report) takes under a
# second; a worker stuck beyond this is killed and replaced.
timeout = 60


def post_worker_init(worker):
    """Garbage collection tuned for a worker whose app is loaded.

    The loaded app is ~150,000 objects that live as long as the worker. A full
    collection scanned them all (~110 ms in-process on the large program, a
    request stalled behind it now and then); frozen, they are never scanned again.
    A page of rule 10 or of a report makes tens of thousands of short-lived
    objects: with the default threshold of 700 a young collection ran every ~1 ms of
    a request. Measured in one process over 300 requests of the case pages:
    collections took 536 ms by default, 269 frozen, 154 frozen with 10,000 (5,000:
    168; 20,000 and 50,000 more again, each collection scanning a larger young
    generation)."""
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
