from odoo import SUPERUSER_ID, api

# Since 19.0.1.3.0 the agent rules filter on cskh.ticket.is_agent_visible instead of
# repeating its domain. Their records are noupdate: rewrite those still as shipped
# (an administrator's own domain is left alone).
_VISIBLE = """['|', '|', '|', '|',
    ('{p}team_id', '=', False),
    ('{p}team_id.visibility', '=', 'company'),
    ('{p}team_id.member_ids', 'in', [user.id]),
    ('{p}team_id.leader_id', '=', user.id),
    ('{p}user_id', '=', user.id)]"""

AGENT_RULES = {
    # xml id: (domain shipped before 19.0.1.3.0, domain since)
    'cskh_ticket_rule_agent': (
        _VISIBLE.format(p=''), "[('is_agent_visible', '=', True)]"),
    'cskh_ticket_sla_rule_agent': (
        _VISIBLE.format(p='ticket_id.'), "[('ticket_id.is_agent_visible', '=', True)]"),
    'cskh_survey_response_rule_agent': (
        _VISIBLE.format(p=''), "[('ticket_id.is_agent_visible', '=', True)]"),
    'cskh_ticket_report_rule_agent': (
        _VISIBLE.format(p=''), "[('ticket_id.is_agent_visible', '=', True)]"),
    'rating_rating_rule_agent': (
        "[('cskh_ticket_id', 'any', [('company_id', 'in', company_ids), "
        + _VISIBLE.format(p='')[1:] + ")]",
        "[('cskh_ticket_id', 'any', [('company_id', 'in', company_ids), ('is_agent_visible', '=', True)])]"),
}


def _same(domain_a, domain_b):
    return ''.join((domain_a or '').split()) == ''.join(domain_b.split())


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    for name, (old_domain, new_domain) in AGENT_RULES.items():
        rule = env.ref(f'cskh_helpdesk.{name}', raise_if_not_found=False)
        if rule and _same(rule.domain_force, old_domain):
            rule.domain_force = new_domain
