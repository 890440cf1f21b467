# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Import the Zengin bank and branch master (power_core.banks, the
zengin-code package) into the banks and branches staff and the portal
pick from. Banks and branches are matched by their codes: a name or kana
that changed is updated, a new one created, a branch the master no longer
lists is deactivated (direct debits that name it stay readable). Importing
the same master twice changes nothing. Every import is a batch run."""
from power_core import banks as zengin

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.transaction import Transaction
from trytond.wizard import StateTransition, Wizard

from .common import closing, dialog


def import_master(codes=None):
    """Bring the banks of codes (all when None) in line with the master;
    return {'banks_created', 'banks_updated', 'branches_created',
    'branches_updated', 'branches_deactivated'}."""
    pool = Pool()
    Bank = pool.get('bank')
    Branch = pool.get('power.bank.branch')
    Party = pool.get('party.party')
    counts = dict.fromkeys(['banks_created', 'banks_updated',
            'branches_created', 'branches_updated', 'branches_deactivated'],
        0)
    master = list(zengin.master(codes))
    existing = {b.zengin_code: b for b in Bank.search([
                ('zengin_code', 'in', [m.code for m in master])])}
    new = [m for m in master if m.code not in existing]
    if new:
        parties = Party.create([{'name': m.name} for m in new])
        for bank in Bank.create([{'party': p.id, 'zengin_code': m.code,
                        'name_kana': m.name_kana}
                    for p, m in zip(parties, new)]):
            existing[bank.zengin_code] = bank
        counts['banks_created'] = len(new)
    to_write = []
    for m in master:
        bank = existing[m.code]
        if m not in new and (bank.party.name != m.name
                or bank.name_kana != m.name_kana):
            Party.write([bank.party], {'name': m.name})
            to_write.extend([[bank], {'name_kana': m.name_kana}])
            counts['banks_updated'] += 1
    if to_write:
        Bank.write(*to_write)
    with Transaction().set_context(active_test=False):
        branches = {}
        for branch in Branch.search([
                    ('bank', 'in', [b.id for b in existing.values()])]):
            branches[(branch.bank.id, branch.code)] = branch
    create, write, seen = [], [], set()
    for m in master:
        bank = existing[m.code]
        for b in m.branches:
            key = (bank.id, b.code)
            seen.add(key)
            branch = branches.get(key)
            if branch is None:
                create.append({'bank': bank.id, 'code': b.code,
                        'name': b.name, 'name_kana': b.name_kana})
            elif (branch.name, branch.name_kana, branch.active) != (
                    b.name, b.name_kana, True):
                write.extend([[branch], {'name': b.name,
                            'name_kana': b.name_kana, 'active': True}])
                counts['branches_updated'] += 1
    gone = [b for k, b in branches.items() if k not in seen and b.active]
    if gone:
        write.extend([gone, {'active': False}])
        counts['branches_deactivated'] = len(gone)
    if create:
        Branch.create(create)
        counts['branches_created'] = len(create)
    if write:
        Branch.write(*write)
    return counts


class ImportStart(ModelView):
    "Import Zengin Bank Master"
    __name__ = 'power.bank.import.start'
    codes = fields.Char("Bank Codes",
        help="The 4-digit bank codes to import, separated by spaces "
        "(e.g. 0001 0005 9900); empty for every bank of the master.")
    master_version = fields.Char("Master Version", readonly=True,
        help="The zengin-code release the master comes from (its date).")

    @classmethod
    def default_master_version(cls):
        return zengin.version()


class ImportDone(ModelView):
    "Import Zengin Bank Master"
    __name__ = 'power.bank.import.done'
    summary = fields.Text("Summary", readonly=True)


class Import(Wizard):
    "Import Zengin Bank Master"
    __name__ = 'power.bank.import'
    start = dialog('power.bank.import.start',
        'power_cis.bank_import_start_view_form',
        "Import", 'import_')
    import_ = StateTransition()
    done = closing('power.bank.import.done',
        'power_cis.bank_import_done_view_form')

    def transition_import_(self):
        BatchRun = Pool().get('power.batch.run')
        codes = (self.start.codes or '').split() or None
        run = BatchRun.start(f"Zengin bank master {zengin.version()}"
            + (f" ({' '.join(codes)})" if codes else ""))
        try:
            counts = import_master(codes)
        except KeyError as error:
            raise UserError(gettext('power_cis.msg_bank_import_unknown',
                    error=error.args[0]))
        run.finish(sum(counts.values()), message=', '.join(
                f'{k.replace("_", " ")}: {v}' for k, v in counts.items()))
        self.done.summary = run.message
        return 'done'

    def default_done(self, fields):
        return {'summary': self.done.summary}
