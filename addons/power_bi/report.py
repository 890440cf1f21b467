# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
from power_core.tables import render_pdf, write_xlsx

from trytond import backend
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.model.exceptions import AccessError
from trytond.modules.power_cis.common import (
    FileResult, FileWizard, dialog, file_states)
from trytond.modules.power_cis.master import MasterMixin
from trytond.pool import Pool
from trytond.transaction import Transaction
from trytond.wizard import StateTransition, Wizard

from . import bi
from .exceptions import BIError


class ReportDefinition(MasterMixin, ModelSQL, ModelView):
    "BI Report Definition"
    __name__ = 'power.bi.report.definition'
    number = fields.Integer(
        "Number", help="The number of the report in the BI tool's list "
        "(表1 BIツールの機能一覧).")
    personal_data = fields.Boolean(
        "Personal Data",
        help="The report shows personal data: only the groups below see it.")
    groups = fields.Many2Many(
        'power.bi.report.definition-res.group', 'definition', 'group',
        "Groups", help="The groups that may run the report.")

    @classmethod
    def __register__(cls, module):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        cursor = Transaction().connection.cursor()
        exists = backend.TableHandler.table_exist(cls._table)
        super().__register__(module)
        if exists:
            # Migration: the 17 definitions, once created by the demo, are
            # now data of this module; the demo's copies give way to them
            table = cls.__table__()
            data = ModelData.__table__()
            cursor.execute(*table.delete(
                    where=table.code.in_([f'BI{n:02d}' for n in range(1, 18)])
                    & ~table.id.in_(data.select(data.db_id,
                            where=(data.model == cls.__name__)
                            & (data.module == module)))))

    @classmethod
    def default_personal_data(cls):
        return True


class ReportDefinitionGroup(ModelSQL):
    "BI Report Definition - Group"
    __name__ = 'power.bi.report.definition-res.group'
    definition = fields.Many2One(
        'power.bi.report.definition', "Definition", required=True,
        ondelete='CASCADE')
    group = fields.Many2One(
        'res.group', "Group", required=True, ondelete='CASCADE')


def _allowed(definition):
    "The user may run definition (its groups, for personal data)."
    if Transaction().user == 0 or not definition.personal_data:
        return True
    User = Pool().get('res.user')
    groups = set(User.get_groups())
    return bool(groups & {g.id for g in definition.groups})


class RunStart(ModelView):
    "Run BI Report"
    __name__ = 'power.bi.report.run.start'
    definition = fields.Many2One('power.bi.report.definition', "Report",
        required=True)
    number = fields.Function(fields.Integer("Number"),
        'on_change_with_number')
    date_from = fields.Date("From")
    date_to = fields.Date("To / As Of")
    month = fields.Date("Last Month",
        help="Report 8: the 13 months end with this date's month.")
    format = fields.Selection([('xlsx', "Excel (XLSX)"), ('pdf', "PDF")],
        "Format", required=True)

    @classmethod
    def default_format(cls):
        return 'xlsx'

    @classmethod
    def default_date_to(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_month(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_date_from(cls):
        return Pool().get('ir.date').today().replace(day=1)

    @fields.depends('definition')
    def on_change_with_number(self, name=None):
        return self.definition.number if self.definition else None


class RunResult(FileResult, ModelView):
    "Run BI Report"
    __name__ = 'power.bi.report.run.result'


class Run(FileWizard):
    "Run BI Report"
    __name__ = 'power.bi.report.run'
    start, result = file_states(
        'power.bi.report.run', 'power_bi.report_run')

    def produce(self):
        start = self.start
        return produce(start.definition,
            bi.Filters(start.date_from, start.date_to, start.month),
            start.format)


def produce(definition, filters, format='xlsx'):
    """(file name, bytes) of a BI report, kept in the report output
    history; refused to users outside its groups when it shows personal
    data."""
    Output = Pool().get('power.report.output')
    if not _allowed(definition):
        raise AccessError(gettext('power_bi.msg_report_access',
                report=definition.rec_name))
    report = bi.REPORTS.get(definition.number)
    if report is None:
        raise BIError(gettext('power_bi.msg_report_unknown',
                report=definition.rec_name))
    table = report.build(filters)
    data = (write_xlsx([table]) if format == 'xlsx'
        else render_pdf([table]))
    stamp = (filters.date_to or Pool().get('ir.date').today())
    filename = f'bi{report.number:02d}_{report.code}_{stamp:%Y%m%d}.{format}'
    Output.record(f'{report.number}. {report.title}', filename, data,
        kind='export' if format == 'xlsx' else 'report')
    return filename, data


class ImportStart(ModelView):
    "Import Dunning Update"
    __name__ = 'power.bi.dunning.import.start'
    file = fields.Binary("File", required=True, filename='filename',
        help="Report 14 exported, its 保留 column edited.")
    filename = fields.Char("File Name")


class ImportDunning(Wizard):
    "Import Dunning Update"
    __name__ = 'power.bi.dunning.import'
    start = dialog('power.bi.dunning.import.start',
        'power_bi.dunning_import_start_view_form',
        "Import", 'import_')
    import_ = StateTransition()

    def transition_import_(self):
        Output = Pool().get('power.report.output')
        data = bytes(self.start.file)
        name = self.start.filename or 'dunning_update.xlsx'
        # the file is kept whatever happens, for inspection
        with Transaction().new_transaction() as transaction:
            Output.record('14. 督促対象更新ファイル（取込み）', name, data,
                kind='import')
            transaction.commit()
        try:
            changed = bi.apply_dunning_update(bi.read_dunning_update(data))
        except bi.UpdateError as error:
            raise BIError(gettext('power_bi.msg_dunning_update_refused',
                    file=name, reason=str(error))) from error
        self.start.filename = f'{name}: {changed}'
        return 'end'
