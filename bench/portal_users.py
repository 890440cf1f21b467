"""Locust users of the portal benchmark (bench/portal.py starts them): each
logs in as one of the bench members, then reads its usage (the year with
charges, a month of days, a day of half hours) and runs simulations,
pausing 0.5 to 2 s between pages as a person does."""
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


class Member(HttpUser):
    wait_time = between(0.5, 2)

    def on_start(self):
        number = next(_numbers) % MEMBERS
        base = f'/{DATABASE}/portal'
        self.base = base
        page = self.client.get(f'{base}/login', name='login page').text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        self.client.post(f'{base}/login', name='login', data={
                'csrf_token': token, 'password': PASSWORD,
                'email': f'bench-{number}@example.jp'})

    @task(3)
    def usage_year(self):
        self.client.get(f'{self.base}/usage', name='usage (13 months)')

    @task(2)
    def usage_day(self):
        day = TODAY - dt.timedelta(days=random.randint(1, 360))
        self.client.get(f'{self.base}/usage?view=day&date={day}',
            name='usage (30 minutes)')

    @task(1)
    def usage_month(self):
        month = TODAY.replace(day=1) - dt.timedelta(
            days=30 * random.randint(0, 11))
        self.client.get(f'{self.base}/usage?view=month&month={month:%Y-%m}',
            name='usage (days)')

    @task(3)
    def simulate(self):
        if random.random() < 0.5:
            query = f'mode=kwh&kwh={random.randint(80, 900)}'
        else:
            query = f'mode=household&household={random.randint(1, 4)}'
        self.client.get(f'{self.base}/simulate?run=1&area=03&capacity='
            f'{random.choice(["30A", "40A", "50A"])}&{query}',
            name='simulation')
