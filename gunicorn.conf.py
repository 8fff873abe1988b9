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

import multiprocessing
import os

worker_class = "sync"
# WEB_CONCURRENCY is gunicorn's own variable: size the pool to the container's CPUs.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
# A request's time limit: the slowest page (a year's program report) takes under a
# second; a worker stuck beyond this is killed and replaced.
timeout = 60
