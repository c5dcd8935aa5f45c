"""Database side of `make loadtest` (tools/loadtest.sh), run with the Python that imports Odoo.

    setup.py template --size N [odoo options]     fill a fresh database with the add-on installed:
                    agents, portal customers, two teams (aliases, SLA, survey, web form) and
                    N tickets (Odoo's populate duplicates the seed tickets with SQL)
    setup.py prepare --state FILE [odoo options]  on the copy of the template that the load runs
                    on: crons every minute and due now; FILE gets what the integrity check needs
    setup.py stall-cron --seconds S [odoo options]   fault: make due surveys, wake the survey
                    cron and hold a lock it needs for S seconds (it runs past its time limit)

Odoo options: --addons-path, --db_*, -d DB, --data-dir (as for the odoo command).
"""
import argparse
import json
import logging
import math
import sys
import time
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields
from odoo.cli.populate import Populate
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.tools import config, mute_logger

_logger = logging.getLogger('cskh.loadtest')

# bump when ``template`` makes another database (tools/loadtest.sh rebuilds the cached one)
TEMPLATE_VERSION = 1
PASSWORD = 'cskh-load'
ALIAS_DOMAIN = 'cskh-load.example.com'
AGENTS = 8
CUSTOMERS = 20
SEEDS = 100  # tickets populate duplicates (a divisor of the usual sizes)
CRONS = (
    'cskh_helpdesk.cskh_ticket_sla_cron_escalate',
    'cskh_helpdesk.cskh_ticket_cron_send_survey',
    'cskh_helpdesk.cskh_ticket_cron_auto_close',
    'cskh_helpdesk.cskh_channel_event_cron_process',
    'cskh_helpdesk.cskh_channel_delivery_cron_send',
)


def template(env, size):
    """Users, teams and ``size`` tickets."""
    env['res.config.settings'].create({
        'group_cskh_sla': True, 'group_cskh_survey': True, 'group_cskh_web_form': True,
    }).execute()
    domain = env['mail.alias.domain'].create({'name': ALIAS_DOMAIN})
    env.company.alias_domain_id = domain
    # every load client comes from 127.0.0.1: no per-IP rate limit of the web form
    env['ir.config_parameter'].set_param('cskh_helpdesk.web_form_rate_limit', '0')
    agent_group = env.ref('cskh_helpdesk.cskh_helpdesk_group_agent')
    agents = env['res.users'].with_context(no_reset_password=True).create([{
        'name': f'Nhân viên {i:02d}', 'login': f'load.agent{i:02d}', 'password': PASSWORD,
        'email': f'agent{i:02d}@{ALIAS_DOMAIN}',
        'group_ids': [Command.set([env.ref('base.group_user').id, agent_group.id])],
    } for i in range(1, AGENTS + 1)])
    customers = env['res.users'].with_context(no_reset_password=True).create([{
        'name': f'Khách hàng {i:02d}', 'login': f'load.customer{i:02d}', 'password': PASSWORD,
        'email': f'customer{i:02d}@load.example.vn',
        'group_ids': [Command.set([env.ref('base.group_portal').id])],
    } for i in range(1, CUSTOMERS + 1)])
    ack = env.ref('cskh_helpdesk.mail_template_ticket_ack')
    teams = env.ref('cskh_helpdesk.team_default') | env['cskh.team'].create({'name': 'Bảo hành'})
    for team, alias in zip(teams, ('hotro', 'baohanh')):
        team.write({
            'alias_name': alias, 'alias_domain_id': domain.id, 'ack_template_id': ack.id,
            'member_ids': [Command.set(agents.ids)], 'assign_method': 'balanced',
            'use_sla': True, 'use_survey': True, 'survey_delay_hours': 1, 'use_website_form': True,
        })
        env['cskh.sla'].create([
            {'name': 'Phản hồi trong 2 giờ', 'team_id': team.id, 'target': 'first_response', 'time': 2},
            {'name': 'Giải quyết trong 24 giờ', 'team_id': team.id, 'target': 'resolution', 'time': 24},
        ])
    _seed_tickets(env, teams, agents, customers)
    factor = max(1, math.ceil(size / SEEDS) - 1)
    # populate warns that it copies the many2one columns of unique constraints as they are
    with mute_logger('odoo.tools.populate'):
        Populate.populate(env(context={'active_test': False}), {'cskh.ticket': factor, 'cskh.ticket.sla': factor}, ord('_'))
    # the copies are history: their SLA deadlines passed long ago and were missed then
    # (otherwise the escalation cron would spend the run posting notes on them)
    env.cr.execute("""
        UPDATE cskh_ticket_sla SET status = 'failed', date_failed = deadline
         WHERE status = 'ongoing' AND deadline < now() at time zone 'UTC' + interval '1 hour'""")
    env.cr.execute("SELECT COUNT(*) FROM cskh_ticket")
    _logger.info("template: %s tickets", env.cr.fetchone()[0])


def _seed_tickets(env, teams, agents, customers):
    """``SEEDS`` tickets: three per portal customer, the others from contacts; some solved
    with their survey scheduled (the cron fault makes them due)."""
    Ticket = env['cskh.ticket']
    partners = customers.partner_id
    contacts = env['res.partner'].create([
        {'name': f'Liên hệ {i}', 'email': f'contact{i}@load.example.vn'} for i in range(SEEDS)])
    values = []
    for i in range(SEEDS):
        partner = partners[i % len(partners)] if i < 3 * len(partners) else contacts[i]
        values.append({
            'name': f'Yêu cầu mẫu {i}', 'team_id': teams[i % 2].id, 'partner_id': partner.id,
            'priority': str(i % 4), 'user_id': agents[i % len(agents)].id,
            'description': '<p>Xin hỗ trợ giúp tôi.</p>',
        })
    tickets = Ticket.create(values)
    solved = env.ref('cskh_helpdesk.stage_solved')
    progress = tickets.team_id.stage_ids.filtered(lambda s: not s.is_closed and not s.fold)[1:2]
    tickets[::3].write({'stage_id': solved.id})
    if progress:
        tickets[1::3].write({'stage_id': progress.id})


def prepare(env, state_file):
    """Crons every minute, due now; the ids the integrity check starts from."""
    crons = env['ir.cron'].browse([env.ref(xmlid).id for xmlid in CRONS])
    crons.write({'interval_number': 1, 'interval_type': 'minutes', 'nextcall': fields.Datetime.now(), 'active': True})
    env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM cskh_ticket")
    ticket_id = env.cr.fetchone()[0]
    env['ir.config_parameter'].set_param('cskh_loadtest.max_ticket_id', ticket_id)
    env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM mail_message")
    message_id = env.cr.fetchone()[0]
    admin = env.ref('base.user_admin')
    admin.password = PASSWORD
    teams = env['cskh.team'].search([('alias_name', 'in', ('hotro', 'baohanh'))])
    team_stages = {team.id: team.stage_ids.filtered(lambda s: not s.is_closed).ids for team in teams}
    state = {
        'max_ticket_id': ticket_id, 'max_message_id': message_id, 'admin_uid': admin.id,
        'password': PASSWORD, 'aliases': [f'{alias}@{ALIAS_DOMAIN}' for alias in teams.mapped('alias_name')],
        'team_ids': teams.ids, 'team_stages': team_stages, 'agents': AGENTS, 'customers': CUSTOMERS,
        'started': time.time(),
    }
    with open(state_file, 'w', encoding='utf-8') as out:
        json.dump(state, out)


def stall_cron(env, seconds):
    """The survey cron runs past its time limit: surveys are made due and the cron woken,
    then an EXCLUSIVE lock on the survey responses (as a long maintenance statement would
    hold) keeps its batch waiting until the server kills the cron worker. Reading the
    responses stays possible; the cron's next runs, once the lock is gone, send them."""
    tickets = env['cskh.ticket'].search([
        ('stage_id.is_closed', '=', False), ('team_id.use_survey', '=', True), ('partner_id', '!=', False),
        ('id', '<=', int(env['ir.config_parameter'].get_param('cskh_loadtest.max_ticket_id') or 0)),
    ], limit=10)
    # agents solve them: their surveys are scheduled, and made due at once
    tickets.write({'stage_id': env.ref('cskh_helpdesk.stage_solved').id})
    responses = tickets.survey_response_ids.filtered(lambda r: r.state == 'scheduled')
    responses.write({'date_scheduled': fields.Datetime.now() - timedelta(hours=1)})
    env.cr.commit()
    env.ref('cskh_helpdesk.cskh_ticket_cron_send_survey')._trigger()
    env.cr.commit()  # the trigger wakes the cron worker at commit
    env.cr.execute("LOCK TABLE cskh_survey_response IN EXCLUSIVE MODE")
    _logger.info("stall-cron: %s due surveys, survey responses locked for %ss", len(responses), seconds)
    time.sleep(seconds)
    env.cr.rollback()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('command', choices=('template', 'prepare', 'stall-cron'))
    parser.add_argument('--size', type=int, default=50000)
    parser.add_argument('--state')
    parser.add_argument('--seconds', type=int, default=40)
    args, odoo_args = parser.parse_known_args()
    config.parse_config(odoo_args, setup_logging=True)
    dbname = config['db_name'][0] if isinstance(config['db_name'], list) else config['db_name']
    registry = Registry(dbname)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if args.command == 'template':
            template(env, args.size)
        elif args.command == 'prepare':
            prepare(env, args.state)
        else:
            stall_cron(env, args.seconds)


if __name__ == '__main__':
    sys.exit(main())
