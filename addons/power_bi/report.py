# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.power_cis.master import MasterMixin


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
