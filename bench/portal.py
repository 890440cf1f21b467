"""Benchmark of the consumer portal under load: N concurrent members
(locust, on 127.0.0.1) reading their usage and running simulations.

    .venv/bin/python bench/portal.py [--customers 200] [--users 50]
        [--duration 60] [--server dev|gunicorn:N ...] [--write]

Prepares the demo database `bench_portal` (the README's demo, with
--customers customers; reused when it exists) on the configured backend
(PostgreSQL with TRYTOND_DATABASE__URI=postgresql://..., SQLite otherwise),
gives --users of its billed customers a portal account, serves it with
trytond's development server (or, with --server gunicorn:N, with gunicorn
and N processes as docker-compose.yml does; --server repeated measures
each in turn on the same data) on a free port, runs locust headless for --duration seconds and
reports p50 / p95 / errors per page and the server's memory (resident
set size sampled every second: after the warm-up, --warm-up seconds or the
first quarter of the run, over whose first half the users log in, and at
its end); --write adds them to docs/benchmarks.md. Needs locust:
scripts/setup.sh --bench.

With --check it is the load test of docs/reliability.md: it exits 1 when a
request failed (an HTTP error, a page without its content, a member sent
back to the login page) or when the server grew by more than --max-growth
MB after the warm-up. The browser tier runs its short form against the
browser tests' demo database (tests/browser/test_portal_load.py).
"""
import argparse
import csv
import datetime as dt
import os
import platform
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATABASE = 'bench_portal'
PASSWORD = 'bench-portal-2026'
TARGET_MS = 200
MAX_GROWTH_MB = 64


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _members(count):
    """Portal accounts bench-0..N-1@example.jp for up to count billed
    customers; (created, members there are)."""
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    pool = Pool()
    WebUser = pool.get('web.user')
    existing = {u.email for u in WebUser.search(
            [('email', 'like', 'bench-%')])}
    # the first billed customers without a portal account (in SQL: a
    # synthetic retailer has a million determinants)
    cursor = Transaction().connection.cursor()
    cursor.execute('SELECT DISTINCT d.customer FROM '
        'power_billing_determinant d WHERE NOT EXISTS (SELECT 1 FROM '
        'web_user w WHERE w.party = d.customer) ORDER BY d.customer '
        'LIMIT %s' % int(count))
    customers = [c for c, in cursor]
    created = members = 0
    for n in range(count):
        email = f'bench-{n}@example.jp'
        if email not in existing:
            if not customers:
                break
            WebUser.create([{'email': email, 'password': PASSWORD,
                        'party': customers.pop(0), 'email_valid': True}])
            created += 1
        members += 1
    return created, members


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--customers', type=int, default=200)
    parser.add_argument('--users', type=int, default=50)
    parser.add_argument('--duration', type=int, default=60)
    parser.add_argument('--write', action='store_true')
    parser.add_argument('--check', action='store_true',
        help="exit 1 on any failed request or a memory growth beyond "
        "--max-growth")
    parser.add_argument('--max-growth', type=int, default=MAX_GROWTH_MB,
        help="MB the server may grow after the warm-up (default "
        f"{MAX_GROWTH_MB})")
    parser.add_argument('--warm-up', type=int,
        help="seconds before the memory baseline is taken (default: a "
        "quarter of --duration); the users log in over its first half")
    parser.add_argument('--server', type=server_kind, action='append',
        help="dev (trytond's development server, the default) or "
        "gunicorn:N (N processes); repeat to measure several side by side "
        "in one run on the same data")
    parser.add_argument('--database',
        help="serve this database (e.g. synth_100000 of bench/synth.py) "
        "instead of preparing the demo")
    args = parser.parse_args()

    from power_cis_cli import site
    site.configure_trytond()
    from trytond import backend
    global DATABASE
    if args.database:
        DATABASE = args.database
    else:
        power_cis = str(Path(sys.executable).parent / 'power-cis')
        started = time.perf_counter()
        # its own simulator ports: another demo build may hold the defaults
        ports = {f'POWER_{name}_PORT': str(_free_port())
            for name in ('MAIL', 'HUB', 'CARD')}
        subprocess.run([power_cis, 'demo', '--database', DATABASE,
                '--customers', str(args.customers), '--no-server'],
            check=True, cwd=ROOT, env={**ports, **os.environ})
        print(f"demo database {DATABASE} on {backend.name}: "
            f"{time.perf_counter() - started:.0f} s")
    from trytond.pool import Pool
    Pool.start()
    Pool(DATABASE).init()
    created, members = site.in_transaction(DATABASE,
        lambda t: _members(args.users), user=0)
    print(f"{created} portal members created; {args.users} users log in as "
        f"{members} members")

    runs = []
    for kind in args.server or ['dev']:
        figures, memory = load(args, kind, members)
        runs.append((kind, figures, memory))
        report(kind, figures, memory)
    if len(runs) > 1:
        print(side_by_side(runs))
    if args.write:
        write(args, backend.name, runs, members)
    if args.check:
        problems = []
        for _, figures, memory in runs:
            problems.extend(check(args, figures, memory))
        for problem in problems:
            print(f"CHECK FAILED: {problem}")
        if problems:
            return 1
    return 0


def check(args, figures, memory):
    "The problems of one run for --check."
    requests = sum(f[1] for f in figures if f[0] != 'Aggregated')
    failures = sum(f[2] for f in figures if f[0] != 'Aggregated')
    problems = []
    if not requests:
        problems.append("no request was made")
    if failures:
        problems.append(f"{failures} of {requests} requests failed "
            f"(var/bench-portal_failures.csv)")
    if memory.growth > args.max_growth:
        print(memory.table())
        problems.append(f"the server grew by {memory.growth:.0f} MB "
            f"after the warm-up (bound {args.max_growth} MB)")
    if not problems:
        print(f"check passed: {requests} requests, none failed, memory "
            f"within {args.max_growth} MB")
    return problems


def server_kind(text):
    "'dev' (trytond's own server) or 'gunicorn:N' (N processes)."
    if text == 'dev':
        return text
    name, _, processes = text.partition(':')
    if name != 'gunicorn' or not (processes or '3').isdigit():
        raise argparse.ArgumentTypeError(
            f"{text!r}: 'dev' or 'gunicorn:N' (N processes)")
    return f'gunicorn:{processes or 3}'


def describe(kind):
    if kind == 'dev':
        return "trytond's development server (one process, a thread per request)"
    processes = kind.split(':')[1]
    return (f"gunicorn with {processes} processes of 4 threads "
        "(docker/gunicorn.conf.py)")


def start_server(kind, port):
    "Popen of the server kind on port, its output in var/."
    from power_cis_cli import site
    log = open(ROOT / 'var' / f'bench-portal-server-{kind.replace(":", "-")}'
        '.log', 'w')
    if kind == 'dev':
        conf = ROOT / 'var' / f'bench-portal-{port}.conf'
        conf.write_text(f'[web]\nlisten = 127.0.0.1:{port}\n')
        command = [str(Path(sys.executable).parent / 'trytond'),
            '-c', str(site.config_file()), '-c', str(conf), '-d', DATABASE]
        env = os.environ
    else:
        command = [str(Path(sys.executable).parent / 'gunicorn'),
            '-c', str(ROOT / 'docker' / 'gunicorn.conf.py'),
            '--bind', f'127.0.0.1:{port}', '--access-logfile', '/dev/null',
            'trytond.application:app']
        env = {**os.environ, 'TRYTOND_CONFIG': str(site.config_file()),
            'TRYTOND_DATABASE_NAMES': DATABASE,
            'WEB_CONCURRENCY': kind.split(':')[1]}
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,
        stderr=subprocess.STDOUT)
    server.log = log
    return server


def load(args, kind, members):
    "Serve with kind, run locust; (figures, memory)."
    port = _free_port()
    server = start_server(kind, port)
    host = f'http://127.0.0.1:{port}'
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(
                    f'{host}/{DATABASE}/portal/', timeout=5).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not start; see "
                        f"{server.log.name}")
                time.sleep(0.5)
        prefix = ROOT / 'var' / 'bench-portal'
        # the members log in over the first half of the warm-up (each login
        # hashes a password: argon2, 64 MiB and ~0.1 s of a core)
        warm_up = args.warm_up or args.duration / 4
        spawn_rate = max(1.0, args.users / (warm_up / 2))
        memory = Memory(server.pid, warm_up=warm_up)
        memory.start()
        env = {**os.environ, 'BENCH_PORTAL_DATABASE': DATABASE,
            'BENCH_PORTAL_MEMBERS': str(members),
            'BENCH_PORTAL_PASSWORD': PASSWORD}
        subprocess.run([str(Path(sys.executable).parent / 'locust'),
                '-f', str(ROOT / 'bench' / 'portal_users.py'), '--headless',
                '-u', str(args.users), '-r', f'{spawn_rate:.2f}',
                '-t', f'{args.duration}s', '--host', host,
                '--csv', str(prefix), '--only-summary',
                '--loglevel', 'WARNING'],
            check=False, cwd=ROOT, env=env)
        memory.stop()
    finally:
        server.terminate()
        server.wait(timeout=60)
        server.log.close()
    rows = list(csv.DictReader(open(f'{prefix}_stats.csv')))
    figures = []
    for row in rows:
        figures.append((row['Name'], int(row['Request Count']),
                int(row['Failure Count']), row['50%'], row['95%'],
                float(row['Requests/s'])))
    return figures, memory


def report(kind, figures, memory):
    print(f"\n{describe(kind)}")
    print(f"{'page':24} {'requests':>9} {'errors':>7} {'p50 ms':>7} "
        f"{'p95 ms':>7} {'req/s':>7}")
    for name, count, failures, p50, p95, rps in figures:
        print(f"{name:24} {count:9} {failures:7} {p50:>7} {p95:>7} "
            f"{rps:7.1f}")
    print(f"server memory: {memory.first:.0f} MB at start, "
        f"{memory.warm:.0f} MB after the warm-up, {memory.last:.0f} MB at "
        f"the end (peak {memory.peak:.0f} MB): grew {memory.growth:+.0f} MB "
        f"after the warm-up")


def side_by_side(runs):
    "A markdown table: p95 (and errors) of each page under each server."
    names = [f[0] for f in runs[0][1]]
    head = '| page | ' + ' | '.join(
        f'{kind} p95 ms | {kind} errors' for kind, _, _ in runs) + ' |'
    lines = [head, '|---|' + '---|---|' * len(runs)]
    for name in names:
        cells = []
        for _, figures, _ in runs:
            row = next((f for f in figures if f[0] == name), None)
            cells += [row[4], str(row[2])] if row else ['-', '-']
        lines.append(f'| {name} | ' + ' | '.join(cells) + ' |')
    lines.append('| memory MB (warm → end) | ' + ' | '.join(
        f'{m.warm:.0f} → {m.last:.0f} | ' for _, _, m in runs) + ' |')
    lines.append('| requests/s | ' + ' | '.join(
        f'{next(f for f in figs if f[0] == "Aggregated")[5]:.1f} | '
        for _, figs, _ in runs) + ' |')
    return '\n'.join(lines)


class Memory(threading.Thread):
    """The resident set size of a server (MB; with its worker processes),
    sampled every second: the first sample, the one at the end of the
    warm-up, the last and the peak."""

    def __init__(self, pid, warm_up):
        super().__init__(daemon=True)
        self.pid, self.warm_up = pid, warm_up
        self.first = self.warm = self.last = self.peak = 0.0
        self._stopped = threading.Event()

    # what a sample keeps besides the resident size, to tell where growth
    # is: the heap (RssAnon), mapped files such as SQLite's (RssFile,
    # RssShmem) or more threads
    DETAIL = ('RssAnon', 'RssFile', 'RssShmem', 'Threads')

    def pids(self):
        "The server and its worker processes (gunicorn forks them)."
        pids = [self.pid]
        try:
            children = open(f'/proc/{self.pid}/task/{self.pid}/children'
                ).read().split()
        except OSError:
            children = []
        return pids + [int(c) for c in children]

    def status(self):
        "The sums over the server's processes (kB; threads as a count)."
        values = {}
        for pid in self.pids():
            try:
                for line in open(f'/proc/{pid}/status'):
                    name, _, value = line.partition(':')
                    if name in {'VmRSS', *self.DETAIL}:
                        values[name] = values.get(name, 0) + int(
                            value.split()[0])
            except OSError:
                pass
        return values

    def rss(self):
        value = self.status().get('VmRSS')
        return value / 1024 if value is not None else self.last

    def run(self):
        started = time.monotonic()
        self.first = self.warm = self.rss()
        self.samples = []
        warm = False
        while not self._stopped.wait(1):
            status = self.status()
            self.last = status.get('VmRSS', self.last * 1024) / 1024
            self.samples.append((time.monotonic() - started, status))
            self.peak = max(self.peak, self.last)
            if not warm and time.monotonic() - started >= self.warm_up:
                self.warm, warm = self.last, True

    def stop(self):
        self._stopped.set()
        self.join()
        self.last = self.rss()

    @property
    def growth(self):
        return self.last - self.warm

    def table(self):
        "The samples, every fifth second, in MB (threads as a count)."
        lines = ['  s   ' + ' '.join(f'{n:>8}' for n in ('VmRSS', *self.DETAIL))]
        for second, status in getattr(self, 'samples', [])[::5]:
            lines.append(f'{second:4.0f}  ' + ' '.join(
                    f'{status.get(n, 0) / (1 if n == "Threads" else 1024):8.0f}'
                    for n in ('VmRSS', *self.DETAIL)))
        return '\n'.join(lines)


def write(args, backend_name, runs, members):
    commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'],
        capture_output=True, text=True, cwd=ROOT).stdout.strip()
    cpu = platform.processor() or platform.machine()
    for line in open('/proc/cpuinfo'):
        if line.startswith('model name'):
            cpu = line.split(':', 1)[1].strip()
            break
    source = (f"--database {args.database}" if args.database
        else f"--customers {args.customers}")
    servers = ''.join(f" --server {kind}" for kind, _, _ in runs
        ) if args.server else ''
    data = (f"the synthetic retailer {args.database} (bench/synth.py)"
        if args.database else f"the demo database with {args.customers} "
        "customers and 13 billed months")
    text = (f"\n## Portal under load (`bench/portal.py {source} --users "
        f"{args.users} --duration {args.duration}{servers}`"
        f", {backend_name})\n\n{dt.date.today()}, commit {commit}, {cpu}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; "
        f"{data}, {args.users} locust users on the same machine logged in "
        f"as {members} different members, 0.5–2 s between pages, "
        f"{args.duration} s per server, one server after the other.\n")
    for kind, figures, memory in runs:
        text += (f"\n### {describe(kind)}\n\n"
            "| page | requests | errors | p50 ms | p95 ms | requests/s |\n"
            "|---|---|---|---|---|---|\n")
        for name, count, failures, p50, p95, rps in figures:
            text += (f"| {name} | {count} | {failures} | {p50} | {p95} | "
                f"{rps:.1f} |\n")
        text += (f"\nServer memory (resident, all its processes): "
            f"{memory.first:.0f} MB at start, {memory.warm:.0f} MB after the "
            f"warm-up ({memory.warm_up:.0f} s), {memory.last:.0f} MB at the "
            f"end, peak {memory.peak:.0f} MB: {memory.growth:+.0f} MB after "
            "the warm-up.\n")
    if len(runs) > 1:
        text += f"\n### Side by side\n\n{side_by_side(runs)}\n"
    text += (f"\nTarget: every member page answers with p95 under "
        f"{TARGET_MS} ms, no request fails, memory flat.\n")
    path = ROOT / 'docs' / 'benchmarks.md'
    path.write_text(path.read_text() + text)
    print(f"written to {path}")


if __name__ == '__main__':
    sys.exit(main())
