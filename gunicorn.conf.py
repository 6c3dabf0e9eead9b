"""gunicorn settings for `make serve`; override with environment variables."""

import os

import gunicorn.http.wsgi

# Do not announce the server's name or version in the Server header and WSGI environ.
gunicorn.http.wsgi.SERVER = "jashtar"
gunicorn.http.wsgi.SERVER_SOFTWARE = "jashtar"

bind = os.environ.get("BIND", "127.0.0.1:8000")
# Two sync workers (one request at a time each), as measured: profiling `make bench` on the
# 2-core server gave the best p99 with 2 sync workers; 4 workers, or gthread workers with 2
# threads, made p99 worse (the pages are CPU-bound, so more concurrency only queues inside the
# processes instead of in the listen backlog). `make bench` runs these defaults.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("THREADS", "1"))
timeout = 30
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
# Paths only: query strings may carry search terms, so keep them out of the access log.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'
# Reset tokens and certificate codes in paths are logged as their route pattern.
logger_class = "portal.accesslog.AccessLogger"
