# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""GET /<database>/health: whether this process can serve the database.

The health check of docker-compose.yml's web containers (and of a load
balancer): it answers 200 with a small JSON body only after a query has
gone to the database and the add-ons are loaded in this process; a
database that cannot be reached answers 503 with the kind of error, an
unknown one 404. Nothing about the data is said, so it needs no login.
"""
import json
import time
from http import HTTPStatus

from trytond.protocols.wrappers import Response
from trytond.transaction import Transaction
from trytond.wsgi import app

PATH = '/<database_name>/health'


def health(request, database_name):
    from trytond.pool import Pool
    started = time.perf_counter()
    body = {'database': database_name}
    if database_name not in Pool.database_list():
        # as trytond's own routes do: an unknown name is not served
        with Transaction().start(None, 0, readonly=True, close=True) as t:
            if database_name not in t.database.list():
                body['status'] = 'unknown database'
                return Response(json.dumps(body),
                    status=HTTPStatus.NOT_FOUND,
                    content_type='application/json')
    try:
        with Transaction().start(database_name, 0, readonly=True,
                close=True) as transaction:
            pool = Pool(database_name)
            if database_name not in Pool.database_list():
                pool.init()
            cursor = transaction.connection.cursor()
            cursor.execute('SELECT 1')
            cursor.fetchone()
            try:
                pool.get('power.contract')
                loaded = True
            except KeyError:
                loaded = False
    except Exception as error:
        body.update(status='unavailable', error=type(error).__name__)
        status = HTTPStatus.SERVICE_UNAVAILABLE
    else:
        body['status'] = 'ok' if loaded else 'modules not activated'
        status = HTTPStatus.OK if loaded else HTTPStatus.SERVICE_UNAVAILABLE
    body['ms'] = round((time.perf_counter() - started) * 1000, 1)
    return Response(json.dumps(body), status=status,
        content_type='application/json')


def register():
    # the module may be imported under two names (trytond.modules.X and
    # its entry point): register the route once
    if not any(r.rule == PATH for r in app.url_map.iter_rules()):
        app.route(PATH, methods=['GET'])(health)


register()
