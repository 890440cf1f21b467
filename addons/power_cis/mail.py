# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Mail templates: placeholders in braces filled from the customer and the
contract. Only the names below may appear; anything else is refused when the
template is saved, so a reply never goes out with a hole in it."""
import string

from trytond.i18n import gettext

from .exceptions import MasterValidationError

PLACEHOLDERS = (
    'customer_name', 'customer_number', 'contract_number', 'supply_point',
    'capacity', 'menu', 'company', 'inquiry_number')


def placeholders(text):
    "The placeholder names used in text; raises ValueError on bad braces."
    names = []
    for _, name, spec, conversion in string.Formatter().parse(text or ''):
        if name is None:
            continue
        if spec or conversion or not name.isidentifier():
            raise ValueError(name)
        names.append(name)
    return names


def check_template(template):
    for field in ('subject', 'body'):
        try:
            unknown = [n for n in placeholders(getattr(template, field))
                if n not in PLACEHOLDERS]
        except ValueError as e:
            unknown = [str(e) or '{']
        if unknown:
            raise MasterValidationError(gettext(
                    'power_cis.msg_mail_template_placeholder',
                    template=template.rec_name, placeholder=unknown[0],
                    allowed=', '.join(PLACEHOLDERS)))


def values_for(customer=None, contract=None, inquiry=None, company=None):
    "The placeholder values for a customer, a contract and an inquiry."
    values = dict.fromkeys(PLACEHOLDERS, '')
    if contract:
        customer = customer or contract.customer
        values.update(
            contract_number=contract.number or '',
            supply_point=contract.supply_point.rec_name,
            capacity=(f'{contract.capacity.normalize():f}'
                f'{contract.capacity_unit}' if contract.capacity else ''),
            menu=contract.menu.name if contract.menu else '')
        company = company or contract.company
    if customer:
        values.update(
            customer_name=customer.name,
            customer_number=customer.customer_number or '')
    if inquiry:
        values['inquiry_number'] = inquiry.number or ''
    if company:
        values['company'] = company.rec_name
    return values


def render(template, values):
    "Return (subject, body) of template filled with values."
    return (template.subject.format_map(values),
        template.body.format_map(values))
