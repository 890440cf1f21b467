# gunicorn settings of the web containers (docker-compose.yml) and of
# bench/portal.py --server gunicorn: trytond.application:app served by
# several processes, each with a few threads (trytond is thread-safe; its
# development server is one process with a thread per request).
# Every setting can be overridden from the environment (GUNICORN_CMD_ARGS,
# WEB_CONCURRENCY, WEB_THREADS, WEB_BIND).
import os

bind = os.environ.get('WEB_BIND', '0.0.0.0:8000')
# processes: each loads the add-ons and its own caches (about 150 MB)
workers = int(os.environ.get('WEB_CONCURRENCY', '3'))
worker_class = 'gthread'
threads = int(os.environ.get('WEB_THREADS', '4'))
# a billing screen or a BI export may take a while; the portal's pages
# answer in well under a second
timeout = int(os.environ.get('WEB_TIMEOUT', '300'))
graceful_timeout = 30
keepalive = 5
# a worker is replaced after this many requests (spread so they do not
# restart together): whatever a long-lived process accumulates is given
# back, and memory stays flat
max_requests = int(os.environ.get('WEB_MAX_REQUESTS', '5000'))
max_requests_jitter = max_requests // 10
# the client's address from the proxy in front ([web] num_proxies of
# trytond is the other half)
forwarded_allow_ips = os.environ.get('FORWARDED_ALLOW_IPS', '127.0.0.1')
accesslog = '-'
errorlog = '-'
loglevel = os.environ.get('WEB_LOG_LEVEL', 'info')
# trytond.application refuses to start when threads run after its pool is
# loaded: the app is loaded in each worker, never in the arbiter
preload_app = False
