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
