"""gunicorn settings shared by every web process (``gunicorn -c config/gunicorn.py config.wsgi``).

With ``PROMETHEUS_MULTIPROC_DIR`` set (scripts/demo sets it), the request counters of all workers are
summed at ``/metrics``; a worker that exits is marked dead so its live gauges drop out.
"""

import os

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
accesslog = None  # the application writes its own access line, with the request id (core/observability.py)


def child_exit(server, worker):  # type: ignore[no-untyped-def]
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
