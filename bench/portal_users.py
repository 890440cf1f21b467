"""Locust users of the portal benchmark (bench/portal.py starts them): each
logs in as one of the bench members, then reads its dashboard, its usage (the
year with charges, a month of days, a day of half hours), its bills and runs
simulations, pausing 0.5 to 2 s between pages as a person does.

A page counts as an error when it does not answer 200, when it sends the
member back to the login page (the session was lost) or when it lacks what
the page must show (a page of the portal's error template)."""
import datetime as dt
import itertools
import os
import random
import re

from locust import HttpUser, between, task

DATABASE = os.environ['BENCH_PORTAL_DATABASE']
MEMBERS = int(os.environ['BENCH_PORTAL_MEMBERS'])
PASSWORD = os.environ['BENCH_PORTAL_PASSWORD']
_numbers = itertools.count()
TODAY = dt.date.today()
BILL_LINK = re.compile(r'href="([^"]*/bills/\d+)"')


class Member(HttpUser):
    wait_time = between(0.5, 2)

    def on_start(self):
        number = next(_numbers) % MEMBERS
        base = f'/{DATABASE}/portal'
        self.base = base
        self.bills = []
        page = self.client.get(f'{base}/login', name='login page').text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        with self.client.post(f'{base}/login', name='login', data={
                    'csrf_token': token, 'password': PASSWORD,
                    'email': f'bench-{number}@example.jp'},
                catch_response=True) as response:
            if not response.url.split('?')[0].endswith('/dashboard'):
                response.failure(f"bench-{number} not logged in: "
                    f"{response.url}")

    def page(self, path, name, must):
        "GET path; an error unless it answers 200 with `must` in it."
        with self.client.get(self.base + path, name=name,
                catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            elif '/login' in response.url:
                response.failure("sent back to the login page")
            elif must not in response.text:
                response.failure(f"{must!r} missing")
            return response.text

    @task(2)
    def dashboard(self):
        self.page('/dashboard', 'dashboard', 'ログアウト')

    @task(3)
    def usage_year(self):
        self.page('/usage', 'usage (13 months)', 'id="chart-data"')

    @task(2)
    def usage_day(self):
        day = TODAY - dt.timedelta(days=random.randint(1, 360))
        self.page(f'/usage?view=day&date={day}', 'usage (30 minutes)',
            'ログアウト')

    @task(1)
    def usage_month(self):
        month = TODAY.replace(day=1) - dt.timedelta(
            days=30 * random.randint(0, 11))
        self.page(f'/usage?view=month&month={month:%Y-%m}', 'usage (days)',
            'ログアウト')

    @task(2)
    def bills_and_one_bill(self):
        text = self.page('/bills', 'bills', 'ログアウト')
        links = BILL_LINK.findall(text or '')
        if links:
            path = random.choice(links).split('/portal', 1)[1]
            self.page(path, 'bill', '円')

    @task(3)
    def simulate(self):
        if random.random() < 0.5:
            query = f'mode=kwh&kwh={random.randint(80, 900)}'
        else:
            query = f'mode=household&household={random.randint(1, 4)}'
        self.page(f'/simulate?run=1&area=03&capacity='
            f'{random.choice(["30A", "40A", "50A"])}&{query}',
            'simulation', '円')
