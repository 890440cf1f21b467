# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.


def rec_name_domain(clause, *names, domain=None):
    """Return the search_rec_name domain that applies clause to each field
    of names (and to domain when given): any may match for a positive
    operator, none may for a negative one."""
    _, operator, operand, *extra = clause
    negative = operator.startswith('!') or operator.startswith('not ')
    domains = [domain] if domain is not None else []
    domains += [(name, operator, operand, *extra) for name in names]
    return ['AND' if negative else 'OR', *domains]
