"""Every window action and every list and form view of the power add-ons
opens in sao without a client error, as the administrator and as an
operator (issue 22: the Exchange Log's list used a widget sao lists lack,
"ColumnFactory is not a constructor", and the client spun forever).

The actions are opened as a menu opens them (a tab, its list, then its
form on the first record or a new one); the views, including those of
wizards and those only reached from a record, are built by sao's Screen
one by one. A JavaScript error, a rejected promise, a server error or
warning shown to the user, or a view that never finishes loading is a
failure, named with the action or view."""
import urllib.error

import pytest

from conftest import ARTIFACTS, RPC, login

# the demo's staff (cli/power_cis_cli/main.py STAFF)
USERS = {'admin': 'admin', 'operator': 'demo-operator'}

WALK = r"""
async ({actions, views, timeout}) => {
    const problems = [];
    let current = null;
    const note = (what) => problems.push(`${current}: ${what}`);
    window.addEventListener('error', e => note(`error ${e.message}`));
    window.addEventListener('unhandledrejection',
        e => note(`rejected ${e.reason && (e.reason.message || e.reason)}`));
    const hook = jQuery.Deferred.exceptionHook;
    jQuery.Deferred.exceptionHook = (error, stack) => {
        note(`exception ${error && error.message}`);
        if (hook) hook(error, stack);
    };
    // what sao would show the user in a dialog is noted instead
    for (const name of ['error', 'warning', 'userwarning', 'message']) {
        Sao.common[name].run = (message, details) => {
            note(`${name} dialog: ${message} ${details || ''}`.trim());
            return jQuery.Deferred().reject();
        };
    }
    const settle = (promise) => new Promise((resolve) => {
        const timer = setTimeout(() => {
            note('did not finish loading');
            resolve();
        }, timeout);
        jQuery.when(promise).always(() => {
            clearTimeout(timer);
            resolve();
        });
    });
    const until = (check) => new Promise((resolve) => {
        const start = Date.now();
        const poll = () => {
            if (check() || Date.now() - start > timeout) {
                resolve(check());
            } else {
                setTimeout(poll, 50);
            }
        };
        poll();
    });
    for (const action of actions) {
        current = `action ${action.name} (${action.id}, ${action.res_model})`;
        const before = Sao.Tab.tabs.length;
        try {
            await settle(Sao.Action.execute(action.id, {}, {}));
            if (!await until(() => Sao.Tab.tabs.length > before)) {
                note('no tab opened');
                continue;
            }
            const tab = Sao.Tab.tabs[Sao.Tab.tabs.length - 1];
            await settle(tab.view_prm);
            const screen = tab.screen;
            await until(() => screen.current_view);
            if (screen.current_view && screen.current_view.view_type == 'tree'
                    && screen.number_of_views > 1) {
                await settle(screen.switch_view('form'));
            }
            tab._close_allowed = () => jQuery.when();
            await settle(tab.close());
        } catch (error) {
            note(`raised ${error && (error.message || error)}`);
        }
    }
    const holder = document.createElement('div');
    document.body.appendChild(holder);
    for (const view of views) {
        current = `view ${view.module}.${view.name} (${view.id}, `
            + `${view.model} ${view.type})`;
        try {
            const screen = new Sao.Screen(view.model, {
                mode: [view.type], view_ids: [view.id], context: {}});
            holder.replaceChildren(screen.screen_container.el[0]);
            await settle(screen.switch_view(view.type, view.id));
            if (view.record) {
                await settle(screen.load([view.record]));
                await settle(screen.display());
            } else if (view.storable && view.type == 'form') {
                await settle(screen.new_());
            }
        } catch (error) {
            note(`raised ${error && (error.message || error)}`);
        }
    }
    holder.remove();
    return problems;
}
"""


@pytest.fixture(scope='module')
def walk_lists(demo_server):
    """(actions of the power add-ons, views to build) as the administrator
    lists them."""
    rpc = RPC(demo_server)
    # the actions on power models and those of the Power Retail menus
    roots = rpc.model('ir.ui.menu', 'search',
        [('name', '=', 'Power Retail'), ('parent', '=', None)], 0, None, None)
    menus = rpc.model('ir.ui.menu', 'search_read',
        [('parent', 'child_of', roots)], 0, None, None, ['action'])
    action_ids = sorted(set(rpc.model('ir.action.act_window', 'search',
                [('res_model', 'like', 'power.%')], 0, None, None))
        | {int(m['action'].split(',')[1]) for m in menus
            if (m['action'] or '').startswith('ir.action.act_window,')})
    view_ids = rpc.model('ir.ui.view', 'search',
        [('module', 'like', 'power_%')], 0, None, None)
    actions = rpc.model('ir.action.act_window', 'read', action_ids,
        ['name', 'res_model', 'domain', 'context'])
    # an action opened from a record (its domain or context names the
    # active record) is walked through its views
    actions = [a for a in actions
        if 'active_id' not in f"{a['domain']}{a['context']}"]
    # a board has no screen of its own: test_kpi_board opens it
    actions = [a for a in actions if a['res_model']]
    views = rpc.model('ir.ui.view', 'read', view_ids,
        ['model', 'type', 'module', 'name', 'inherit'])
    # an extension is built in the view it extends
    bases = {v['inherit'] for v in views if v['inherit']}
    views = [v for v in views if not v['inherit']]
    views += rpc.model('ir.ui.view', 'read',
        sorted(bases - {v['id'] for v in views}),
        ['model', 'type', 'module', 'name', 'inherit'])
    views = [v for v in views if v['type'] in {'tree', 'form'}]
    storable = {}
    for model in sorted({v['model'] for v in views}):
        try:
            found = rpc.model(model, 'search', [], 0, 1, None)
        except (RuntimeError, urllib.error.HTTPError):
            storable[model] = None   # a wizard's model
        else:
            storable[model] = found[0] if found else 0
    for view in views:
        view['storable'] = storable[view['model']] is not None
        view['record'] = storable[view['model']] or None
    return actions, views


@pytest.mark.parametrize('user', list(USERS))
def test_every_action_and_view_opens(demo_server, page, walk_lists, user):
    actions, views = walk_lists
    assert len(actions) > 40 and len(views) > 100, (len(actions), len(views))
    errors = []
    page.on('pageerror', lambda error: errors.append(str(error)))
    login(page, demo_server, user, USERS[user])
    if user != 'admin':
        # an operator walks the actions of the menus they see
        menu_actions = page.evaluate("""async () => {
            const session = Sao.Session.current_session;
            const menus = await Sao.rpc({method: 'model.ir.ui.menu.search_read',
                params: [[], 0, null, null,
                    ['action'], session.context]}, session);
            return menus.map(m => m.action).filter(a => a &&
                a.startsWith('ir.action.act_window,'))
                .map(a => Number(a.split(',')[1]));
        }""")
        actions = [a for a in actions if a['id'] in set(menu_actions)]
        assert len(actions) > 15, len(actions)
        views = []
    page.set_default_timeout(600_000)
    problems = page.evaluate(WALK, {
            'actions': actions, 'views': views, 'timeout': 20_000})
    assert not problems, '\n'.join(problems[:40])
    assert not errors, errors


def test_kpi_board(demo_server, page):
    "The KPI board shows its charts side by side, amounts with separators"
    rpc = RPC(demo_server)
    board, = rpc.model('ir.action.act_window', 'search',
        [('name', '=', 'KPI Board')], 0, None, None)
    login(page, demo_server)
    errors = []
    page.on('pageerror', lambda error: errors.append(str(error)))
    page.evaluate("id => Sao.Action.execute(id, {}, {})", board)
    panels = page.locator('.board-action')
    panels.nth(8).wait_for()
    assert panels.count() == 9
    # two charts to a row: the first two panels share a row
    first, second = panels.nth(0).bounding_box(), panels.nth(1).bounding_box()
    assert abs(first['y'] - second['y']) < 40 and second['x'] > first['x']
    # the sales chart's value ticks: 1,234,567 rather than 1234567
    page.wait_for_function("""() => [...document.querySelectorAll(
        '.board-action .bb-axis-y .tick text')].some(
            t => /\\d,\\d{3}/.test(t.textContent))""")
    page.screenshot(path=str(ARTIFACTS / 'kpi-board.png'), full_page=True)
    assert not errors, errors


def test_contract_half_hour_chart(demo_server, page):
    """An operator opens a contract's 30-Minute Usage: a line of its last
    7 days' half hours (the demo's open period reaches yesterday), and the
    list beside it has 48 rows a day"""
    rpc = RPC(demo_server)
    contract = rpc.model('power.contract', 'search',
        [('state', '=', 'active')], 0, 1, [('id', 'ASC')])
    action, = rpc.model('ir.action.act_window', 'search',
        [('res_model', '=', 'power.usage.half_hour'),
            ('name', '=', '30-Minute Usage')], 0, None, None)
    halves = rpc.model('power.usage.half_hour', 'search_count',
        [('supply_point.contracts', 'in', contract)])
    assert halves and halves % 48 == 0, halves
    login(page, demo_server, 'operator', USERS['operator'])
    errors = []
    page.on('pageerror', lambda error: errors.append(str(error)))
    page.evaluate("""([action, contract]) => Sao.Action.execute(action,
        {model: 'power.contract', id: contract, ids: [contract]}, {})""",
        [action, contract[0]])
    # the line's points: one per half hour shown (7 or 8 days of 48)
    page.wait_for_function("""() => document.querySelectorAll(
        '.tab-pane.active .bb-circle, .tab-pane.active .bb-line').length""")
    points = page.evaluate("""() => document.querySelectorAll(
        '.tab-pane.active .bb-circle').length""")
    assert points >= 7 * 48, points
    page.screenshot(path=str(ARTIFACTS / 'half-hour-chart.png'))
    assert not errors, errors
