"""Base classes of the add-on's tests, built once per class.

``CskhCommon``: users per group, two companies, stages and teams; the feature bases
below add what their tests share (SLA calendar and policies, mail gateway, portal,
survey, crons in real cursors, channels with a local fake Zalo/Facebook provider). ``freeze`` is the one clock helper of the tests.
"""
import hashlib
import hmac
import itertools
import json
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta
from email.utils import formatdate, make_msgid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from markupsafe import Markup

from odoo import SUPERUSER_ID, api, fields, http
from odoo.fields import Command
from odoo.tests import HttpCase, TransactionCase, freeze_time

from odoo.addons.mail.tests.common import MailCommon, mail_new_test_user

# Raw mails as mail clients send them, filled by MailCommon.format() (the mail module's
# gateway test helper). ``extra`` holds additional header lines, each ending with a newline.
MAIL_TEMPLATE = """From: {email_from}
To: {to}
Cc: {cc}
Subject: {subject}
Message-ID: {msg_id}
Date: {date}
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit
{extra}
{body}
"""

# the text base64-encoded, as clients send long lines
MAIL_TEMPLATE_BASE64 = """From: {email_from}
To: {to}
Cc: {cc}
Subject: {subject}
Message-ID: {msg_id}
Date: {date}
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64
{extra}
{body_base64}
"""

# text and HTML versions of the same message
MAIL_TEMPLATE_HTML = """From: {email_from}
To: {to}
Cc: {cc}
Subject: {subject}
Message-ID: {msg_id}
Date: {date}
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="cskh-alternative"
{extra}
--cskh-alternative
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

{body}

--cskh-alternative
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: 8bit

{html}

--cskh-alternative--
"""

# a text with one attached file
MAIL_TEMPLATE_ATTACHMENT = """From: {email_from}
To: {to}
Cc: {cc}
Subject: {subject}
Message-ID: {msg_id}
Date: {date}
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="cskh-mixed"
{extra}
--cskh-mixed
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

{body}

--cskh-mixed
Content-Type: {attachment_type}
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="{attachment_name}"

{attachment_base64}

--cskh-mixed--
"""

# text and HTML versions, and one attached file (webmails: Gmail)
MAIL_TEMPLATE_HTML_ATTACHMENT = """From: {email_from}
To: {to}
Cc: {cc}
Subject: {subject}
Message-ID: {msg_id}
Date: {date}
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="cskh-mixed"
{extra}
--cskh-mixed
Content-Type: multipart/alternative; boundary="cskh-alternative"

--cskh-alternative
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

{body}

--cskh-alternative
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: 8bit

{html}

--cskh-alternative--

--cskh-mixed
Content-Type: {attachment_type}
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="{attachment_name}"

{attachment_base64}

--cskh-mixed--
"""


def local(*args):
    """Naive UTC datetime of a wall-clock time in Asia/Ho_Chi_Minh (UTC+7, no DST)."""
    return datetime(*args) - timedelta(hours=7)


@contextmanager
def freeze(when, env=None):
    """Freeze the clock at ``when`` (naive UTC or a string). With ``env``, the
    transaction's clock (``cr.now()``: create and write dates) is set there too, and
    stays there after the block, as if the transaction had started at ``when``."""
    with freeze_time(when):
        if env is not None:
            env.cr._now = datetime.now()
        yield


class CskhCommon(MailCommon):
    """Users per group, two companies, stages and two teams, built once per class."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2 = cls.env['res.company'].create({'name': 'Công ty Thứ Hai'})
        cls.user_agent = mail_new_test_user(
            cls.env, login='cskh_agent', name='Agent Lan', email='lan@example.com',
            groups='base.group_user,cskh_helpdesk.cskh_helpdesk_group_agent',
            company_id=cls.env.company.id)
        cls.user_agent_2 = mail_new_test_user(
            cls.env, login='cskh_agent_2', name='Agent Minh', email='minh@example.com',
            groups='base.group_user,cskh_helpdesk.cskh_helpdesk_group_agent',
            company_id=cls.env.company.id)
        cls.user_agent_3 = mail_new_test_user(
            cls.env, login='cskh_agent_3', name='Agent Nam', email='nam@example.com',
            groups='base.group_user,cskh_helpdesk.cskh_helpdesk_group_agent',
            company_id=cls.env.company.id)
        cls.user_manager = mail_new_test_user(
            cls.env, login='cskh_manager', name='Manager Ha', email='ha@example.com',
            groups='base.group_user,cskh_helpdesk.cskh_helpdesk_group_manager',
            company_id=cls.env.company.id)
        cls.user_agent_c2 = mail_new_test_user(
            cls.env, login='cskh_agent_c2', name='Agent Company 2', email='c2@example.com',
            groups='base.group_user,cskh_helpdesk.cskh_helpdesk_group_agent',
            company_id=cls.company_2.id, company_ids=[Command.set(cls.company_2.ids)])
        cls.user_employee_plain = mail_new_test_user(
            cls.env, login='plain_employee', name='Plain Employee', email='plain@example.com',
            groups='base.group_user')

        Stage = cls.env['cskh.stage']
        cls.stage_new = Stage.create({'name': 'New', 'sequence': 1})
        cls.stage_progress = Stage.create({'name': 'In Progress', 'sequence': 5})
        cls.stage_waiting = Stage.create({'name': 'Waiting', 'sequence': 7, 'sla_pause': True})
        cls.stage_solved = Stage.create({'name': 'Solved', 'sequence': 10, 'is_closed': True, 'fold': True})
        cls.stage_cancel = Stage.create({
            'name': 'Cancelled', 'sequence': 11, 'is_closed': True, 'is_cancel': True, 'fold': True})
        cls.stages = cls.stage_new | cls.stage_progress | cls.stage_waiting | cls.stage_solved | cls.stage_cancel
        cls.other_stage = Stage.create({'name': 'Other Team Stage', 'sequence': 0})

        Team = cls.env['cskh.team']
        cls.team = Team.create({
            'name': 'Hỗ trợ kỹ thuật',
            'alias_name': 'hotro',
            'member_ids': [Command.set((cls.user_agent | cls.user_agent_2).ids)],
            'leader_id': cls.user_manager.id,
            'stage_ids': [Command.set(cls.stages.ids)],
        })
        cls.team_private = Team.create({
            'name': 'Bảo hành',
            'alias_name': 'baohanh',
            'visibility': 'members',
            'member_ids': [Command.set(cls.user_agent_3.ids)],
            'stage_ids': [Command.set((cls.other_stage | cls.stage_solved).ids)],
        })
        cls.team_c2 = Team.create({
            'name': 'Team Company 2',
            'company_id': cls.company_2.id,
            'member_ids': [Command.set(cls.user_agent_c2.ids)],
            'stage_ids': [Command.set(cls.stages.ids)],
        })
        cls.customer = cls.env['res.partner'].create({
            'name': 'Nguyễn Văn An', 'email': 'an.nguyen@example.vn', 'cskh_customer_tier': 'vip'})

    @classmethod
    def _create_ticket(cls, **values):
        return cls.env['cskh.ticket'].create({'name': 'Không đăng nhập được', 'team_id': cls.team.id, **values})


class CskhSlaCommon(CskhCommon):
    """The team works 08:00-17:00 Monday to Friday in Asia/Ho_Chi_Minh, with a first
    response policy (2 working hours, all tickets) and a resolution policy
    (8 working hours, high priority and up)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = cls.env['resource.calendar'].create({
            'name': 'Giờ hành chính 08:00-17:00',
            'tz': 'Asia/Ho_Chi_Minh',
            'attendance_ids': [(5, 0, 0)] + [
                (0, 0, {'name': f'Day {day}', 'dayofweek': str(day), 'hour_from': 8, 'hour_to': 17,
                        'day_period': 'full_day'})
                for day in range(5)
            ],
        })
        cls.team.resource_calendar_id = cls.calendar
        cls.sla_response = cls.env['cskh.sla'].create({
            'name': 'Phản hồi trong 2 giờ',
            'team_id': cls.team.id,
            'target': 'first_response',
            'time': 2,
        })
        cls.sla_resolution = cls.env['cskh.sla'].create({
            'name': 'Xử lý trong 1 ngày',
            'team_id': cls.team.id,
            'target': 'resolution',
            'stage_id': cls.stage_solved.id,
            'time': 8,
            'priority': '2',
        })

    def _create_ticket_at(self, when, **values):
        """Create a ticket as if at ``when`` (naive UTC): the creation date comes from
        the transaction's clock, reset under the frozen time."""
        with freeze(when, self.env):
            ticket = self._create_ticket(**values)
            ticket.flush_recordset()
        return ticket

    def _write_at(self, when, records, values):
        with freeze(when, self.env):
            records.write(values)
            records.env.flush_all()

    def _line(self, ticket, sla):
        return ticket.sla_status_ids.filtered(lambda line: line.sla_id == sla)

    def _run_cron_at(self, when):
        """Run the escalation cron as the scheduler does (own cursor, progress API)."""
        with freeze(when), self.enter_registry_test_mode():
            self.env.ref('cskh_helpdesk.cskh_ticket_sla_cron_escalate').method_direct_trigger()


class CskhMailCommon(CskhCommon):
    """Raw mails fed to the gateway as fetchmail and the mailgate script do; the team
    acknowledges new tickets."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ack_template = cls.env.ref('cskh_helpdesk.mail_template_ticket_ack')
        cls.team.ack_template_id = cls.ack_template
        cls.alias_email = cls.team.alias_email

    def _mail(self, template=MAIL_TEMPLATE, headers=None, **values):
        """A raw mail of ``template`` filled by ``format``: from a customer to the team's
        alias unless told otherwise, ``headers`` added as header lines."""
        values = {
            'subject': 'Không đăng nhập được', 'body': 'Tôi quên mật khẩu.',
            'email_from': 'Trần Thị Bình <binh.tran@example.vn>', 'to': self.alias_email,
            'msg_id': make_msgid(domain='client.example.vn'), 'date': 'Mon, 02 Mar 2026 09:00:00 +0700',
            'extra': ''.join(f'{name}: {value}\n' for name, value in (headers or {}).items()),
            **values,
        }
        return self.format(template, **values)

    def _process(self, raw):
        """Feed ``raw`` to the gateway as fetchmail and the mailgate script do."""
        with self.mock_mail_gateway():
            thread_id = self.env['mail.thread'].message_process(False, raw)
            self.flush_tracking()
        return self.env['cskh.ticket'].browse(thread_id)

    def _auto_messages(self, ticket):
        return ticket.message_ids.filtered(lambda m: m.message_type == 'auto_comment')


class CskhMailTrustCommon(CskhMailCommon):
    """An assigned ticket of the customer, followed by a colleague, with an agent's
    answer to reply to; mails come with forged From headers as an attacker sends them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.attacker_email = 'ke.gian@evil.example'
        cls.colleague = cls.env['res.partner'].create({'name': 'Đồng nghiệp', 'email': 'dong.nghiep@example.vn'})

    def setUp(self):
        super().setUp()
        # a ticket of the customer, assigned, with an answer of the agent the customer may reply to
        self.ticket = self._create_ticket(partner_id=self.customer.id, user_id=self.user_agent.id)
        self.ticket.message_subscribe(partner_ids=self.colleague.ids)
        with self.mock_mail_gateway():
            self.answer = self.ticket.with_user(self.user_agent).message_post(
                body='Chào anh, em đã kiểm tra.', message_type='comment', subtype_xmlid='mail.mt_comment')
        self.ticket.sudo().write({'date_first_response': False, 'agent_reply_count': 0})

    def _send(self, email_from, subject, cc='', headers=None, body='Nội dung thư.', to=None):
        """Feed a raw mail to the gateway; return the tickets created from it (by subject)."""
        extra = ''.join(f'{name}: {value}\n' for name, value in (headers or {}).items())
        with self.mock_mail_gateway():
            tickets = self.format_and_process(
                MAIL_TEMPLATE, email_from, to or self.alias_email, subject=subject, cc=cc, extra=extra,
                body=body, date=formatdate(), target_model='cskh.ticket')
            self.flush_tracking()
        return tickets

    def _incoming(self, ticket, subject):
        return ticket.message_ids.filtered(lambda m: m.message_type == 'email' and m.subject == subject)

    def _reply_activities(self, ticket):
        return ticket.activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref('cskh_helpdesk.mail_act_ticket_closed_reply'))


class CskhPortalCommon(CskhCommon, HttpCase):
    """A portal customer of a company, tickets of hers, of a colleague and of someone
    else; the main team's public form is on."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env['cskh.team'].search([]).use_website_form = False
        cls.team.use_website_form = True
        cls.customer_company = cls.env['res.partner'].create({'name': 'Công ty Hoa Sen', 'is_company': True})
        cls.user_portal = mail_new_test_user(
            cls.env, login='cskh_portal', name='Trần Thị Bình', email='binh.tran@hoasen.example.vn',
            groups='base.group_portal')
        cls.partner_portal = cls.user_portal.partner_id
        cls.partner_portal.parent_id = cls.customer_company
        cls.colleague = cls.env['res.partner'].create({
            'name': 'Lê Văn Cường', 'email': 'cuong.le@hoasen.example.vn', 'parent_id': cls.customer_company.id})
        cls.ticket_own = cls._create_ticket(name='Máy in không hoạt động', partner_id=cls.partner_portal.id)
        cls.ticket_colleague = cls._create_ticket(name='Hóa đơn sai', partner_id=cls.colleague.id)
        cls.ticket_other = cls._create_ticket(name='Secret of another customer', partner_id=cls.customer.id)

    def _csrf(self):
        return http.Request.csrf_token(self)

    def _form_data(self, **values):
        return {
            'csrf_token': self._csrf(),
            'partner_name': 'Phạm Minh Đức',
            'partner_email': 'duc.pham@example.vn',
            'partner_phone': '0903 123 456',
            'team_id': str(self.team.id),
            'type_id': str(self.env.ref('cskh_helpdesk.type_question').id),
            'name': 'Cách đổi mật khẩu?',
            'description': 'Tôi quên mật khẩu.\nXin hướng dẫn.',
            **values,
        }

    def _web_tickets(self):
        return self.env['cskh.ticket'].search([('channel', '=', 'web')])


class CskhSurveyCommon(CskhCommon):
    """The main team sends a satisfaction survey when a ticket is solved."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team.write({'use_survey': True, 'survey_expiry_days': 7})
        cls.survey_template = cls.env.ref('cskh_helpdesk.mail_template_data_survey')

    def _survey_messages(self, ticket):
        """Messages of the chatter carrying a survey link."""
        return ticket.message_ids.filtered(lambda m: '/cskh/survey/' in (m.body or ''))

    def _survey_mails(self, ticket):
        return self.env['mail.mail'].sudo().search([
            ('model', '=', 'cskh.ticket'), ('res_id', '=', ticket.id),
            ('body_html', 'ilike', '/cskh/survey/'),
        ])

    def _run_survey_cron(self):
        # the cron runs in its own cursor: make it see (and only simulate committing) the test data
        with self.enter_registry_test_mode():
            self.env.ref('cskh_helpdesk.cskh_ticket_cron_send_survey').method_direct_trigger()

    def _answer(self, ticket, csat, nps=None, ces=None, comment=None):
        response = ticket.survey_response_ids.filtered(lambda r: r.state in ('sent', 'answered'))[:1]
        response._apply_answer(csat, nps=nps, ces=ces, comment=comment)
        return response


class CronCursorsCommon(TransactionCase):
    """Crons and users in several real cursors: the tests commit their own data in
    their own cursors and remove it."""

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {})

    def _setup_data(self, count):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            team = env['cskh.team'].create({'name': 'Two workers test team', 'use_sla': True})
            env['cskh.sla'].create({
                'name': 'Two workers test policy', 'team_id': team.id, 'target': 'first_response', 'time': 1})
            tickets = env['cskh.ticket'].create([
                {'name': f'Two workers {i}', 'team_id': team.id} for i in range(count)])
            lines = tickets.sla_status_ids
            self.assertEqual(len(lines), count)
            past = fields.Datetime.now() - timedelta(days=3)
            lines.write({'deadline': past})
            return team.id, tickets.ids, lines.ids

    def _cleanup(self, team_id, trigger_id):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            team = env['cskh.team'].with_context(active_test=False).browse(team_id).exists()
            tickets = env['cskh.ticket'].with_context(active_test=False).search([('team_id', '=', team_id)])
            env['mail.activity'].search([('res_model', '=', 'cskh.ticket'), ('res_id', 'in', tickets.ids)]).unlink()
            tickets.unlink()
            env['cskh.sla'].with_context(active_test=False).search([('team_id', '=', team_id)]).unlink()
            team.unlink()
            env['ir.cron.trigger'].search([('id', '>', trigger_id)]).unlink()

    def _setup_surveys(self, count):
        """``count`` solved tickets whose survey is due, committed."""
        with self.registry.cursor() as cr:
            env = self._env(cr)
            stages = env.ref('cskh_helpdesk.stage_new') | env.ref('cskh_helpdesk.stage_solved')
            team = env['cskh.team'].create({
                'name': 'Two workers survey team', 'use_survey': True, 'survey_delay_hours': 2,
                'stage_ids': [fields.Command.set(stages.ids)]})
            # one customer each: a worker writes its customers (portal signup), the other must not
            partners = env['res.partner'].create([
                {'name': f'Khách khảo sát {i}', 'email': f'khaosat{i}@example.vn'} for i in range(count)])
            tickets = env['cskh.ticket'].create([
                {'name': f'Two workers survey {i}', 'team_id': team.id, 'partner_id': partner.id}
                for i, partner in enumerate(partners)])
            tickets.write({'stage_id': env.ref('cskh_helpdesk.stage_solved').id})
            responses = tickets.survey_response_ids
            self.assertEqual(set(responses.mapped('state')), {'scheduled'})
            responses.write({'date_scheduled': fields.Datetime.now() - timedelta(hours=1)})
            return team.id, partners.ids, tickets.ids, responses.ids

    def _cleanup_surveys(self, team_id, partner_ids, ticket_ids, trigger_id):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            tickets = env['cskh.ticket'].with_context(active_test=False).browse(ticket_ids).exists()
            env['mail.mail'].search([('model', '=', 'cskh.ticket'), ('res_id', 'in', ticket_ids)]).unlink()
            env['rating.rating'].search([('res_model', '=', 'cskh.ticket'), ('res_id', 'in', ticket_ids)]).unlink()
            tickets.unlink()
            env['cskh.team'].with_context(active_test=False).browse(team_id).exists().unlink()
            env['res.partner'].browse(partner_ids).exists().unlink()
            env['ir.cron.trigger'].search([('id', '>', trigger_id)]).unlink()


class FakeProvider:
    """A local stand-in for the Zalo and Facebook APIs: a real HTTP server on a free port,
    answering the token, send, upload, profile and file-download endpoints as the public
    APIs document them, and recording every request it receives.

    ``fail_next(path_suffix, status, body, times)`` makes the next calls of an endpoint
    answer an error instead."""

    def __init__(self):
        self.requests = []
        self.failures = []
        self.counter = itertools.count(1)
        self.profiles = {}
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                provider._handle(self, 'GET')

            def do_POST(self):
                provider._handle(self, 'POST')

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = f'http://127.0.0.1:{self.server.server_port}'
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, path_suffix, status, body, times=1):
        self.failures.extend([(path_suffix, status, body)] * times)

    def calls(self, path_suffix, method='POST'):
        return [req for req in self.requests if req['path'].endswith(path_suffix) and req['method'] == method]

    def _handle(self, handler, method):
        url = urlsplit(handler.path)
        length = int(handler.headers.get('Content-Length') or 0)
        raw = handler.rfile.read(length) if length else b''
        content_type = handler.headers.get('Content-Type') or ''
        record = {
            'method': method, 'path': url.path, 'query': {k: v[0] for k, v in parse_qs(url.query).items()},
            'headers': dict(handler.headers.items()), 'body': raw, 'json': None, 'form': {},
        }
        if content_type.startswith('application/json'):
            record['json'] = json.loads(raw)
        elif content_type.startswith('application/x-www-form-urlencoded'):
            record['form'] = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        if not url.path.startswith('/files/'):
            self.requests.append(record)
        status, body = self._answer(record)
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header('Content-Type', 'application/octet-stream' if isinstance(body, bytes) else 'application/json')
        handler.send_header('Content-Length', str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def _answer(self, record):
        path = record['path']
        for index, (suffix, status, body) in enumerate(self.failures):
            if path.endswith(suffix):
                del self.failures[index]
                return status, body
        n = next(self.counter)
        if path.startswith('/files/'):
            return 200, b'x' * int(record['query'].get('size', 100))
        if path == '/v4/oa/access_token':
            return 200, {'access_token': f'zalo-access-{n}', 'refresh_token': f'zalo-refresh-{n}', 'expires_in': '90000'}
        if path == '/v3.0/oa/message/cs':
            return 200, {'error': 0, 'message': 'Success', 'data': {'message_id': f'zalo-msg-{n}'}}
        if path == '/v2.0/oa/upload/image':
            return 200, {'error': 0, 'message': 'Success', 'data': {'attachment_id': f'zalo-att-{n}'}}
        if path == '/v2.0/oa/upload/file':
            return 200, {'error': 0, 'message': 'Success', 'data': {'token': f'zalo-file-{n}'}}
        if path == '/v3.0/oa/user/detail':
            user_id = json.loads(record['query'].get('data') or '{}').get('user_id')
            return 200, {'error': 0, 'message': 'Success',
                         'data': {'user_id': user_id, 'display_name': self.profiles.get(user_id, 'Trần Thị Bình')}}
        if path == '/v2.0/oa/getoa':
            return 200, {'error': 0, 'message': 'Success', 'data': {'oa_id': '579745863508352884', 'name': 'Cửa hàng ABC'}}
        if path.endswith('/subscribed_apps'):
            return 200, {'success': True}
        if path.endswith('/messages'):
            return 200, {'recipient_id': '1', 'message_id': f'm_fb-{n}'}
        if path.startswith('/v19.0/') and record['query'].get('fields') == 'name':
            return 200, {'name': 'Fanpage ABC', 'id': path.rsplit('/', 1)[-1]}
        if path.startswith('/v19.0/'):
            return 200, {'first_name': 'Lê', 'last_name': 'Văn Cường', 'id': path.rsplit('/', 1)[-1]}
        return 404, {'error': {'message': 'Unknown endpoint'}}


class CskhChannelCommon(CskhCommon, HttpCase):
    """A Zalo OA and a Facebook Page account of the main team, connected to a fake provider."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = FakeProvider()
        cls.provider.start()
        cls.addClassCleanup(cls.provider.stop)
        Account = cls.env['cskh.channel.account']
        cls.zalo = Account.create({
            'name': 'Zalo OA Cửa hàng',
            'provider': 'zalo_oa',
            'team_id': cls.team.id,
            'zalo_app_id': '4321987654',
            'zalo_oa_id': '579745863508352884',
            'zalo_app_secret_key': 'app-secret-zalo',
            'zalo_oa_secret_key': 'oa-secret-zalo',
            'zalo_access_token': 'zalo-access-0',
            'zalo_refresh_token': 'zalo-refresh-0',
            'zalo_token_expiry': '2099-01-01 00:00:00',
            'zalo_api_url': cls.provider.url,
            'zalo_oauth_url': cls.provider.url,
        })
        cls.facebook = Account.create({
            'name': 'Fanpage Cửa hàng',
            'provider': 'facebook_page',
            'team_id': cls.team.id,
            'facebook_page_id': '105830192837465',
            'facebook_page_access_token': 'page-token-fb',
            'facebook_app_secret': 'app-secret-fb',
            'facebook_verify_token': 'verify-me-please',
            'facebook_api_url': cls.provider.url + '/v19.0',
        })
        cls.team.write({'member_ids': [Command.set(cls.user_agent.ids)], 'assign_method': 'balanced'})

    def setUp(self):
        super().setUp()
        self.provider.requests.clear()
        self.provider.failures.clear()

    # ---- Zalo ----

    def _zalo_payload(self, msg_id, text='Xin chào shop', sender='2512523625412515', event='user_send_text',
                      attachments=None, timestamp='1764681600000'):
        message = {'msg_id': msg_id, 'text': text}
        if attachments:
            message['attachments'] = attachments
        return {
            'app_id': self.zalo.zalo_app_id,
            'user_id_by_app': '552177279252305' + sender[-3:],
            'event_name': event,
            'timestamp': timestamp,
            'sender': {'id': sender},
            'recipient': {'id': self.zalo.zalo_oa_id},
            'message': message,
        }

    def _zalo_sign(self, raw, timestamp, app_id=None, secret='oa-secret-zalo'):
        data = (app_id or self.zalo.zalo_app_id).encode() + raw + timestamp.encode() + secret.encode()
        return 'mac=' + hashlib.sha256(data).hexdigest()

    def _post_zalo(self, payload, signature=None, account=None, raw=None):
        raw = raw if raw is not None else json.dumps(payload).encode()
        headers = {'Content-Type': 'application/json'}
        if signature is None:
            signature = self._zalo_sign(raw, payload['timestamp'])
        if signature:
            headers['X-ZEvent-Signature'] = signature
        return self.url_open(f'/cskh/webhook/zalo/{(account or self.zalo).id}', data=raw, headers=headers)

    # ---- Facebook ----

    def _facebook_messaging(self, mid, text='Shop ơi còn hàng không?', psid='6234567890123456',
                            attachments=None, timestamp=1764681600000):
        message = {'mid': mid}
        if text:
            message['text'] = text
        if attachments:
            message['attachments'] = attachments
        return {
            'sender': {'id': psid},
            'recipient': {'id': self.facebook.facebook_page_id},
            'timestamp': timestamp,
            'message': message,
        }

    def _facebook_payload(self, *messagings, page_id=None):
        return {'object': 'page', 'entry': [{
            'id': page_id or self.facebook.facebook_page_id, 'time': 1764681600123, 'messaging': list(messagings),
        }]}

    def _facebook_sign(self, raw, secret='app-secret-fb'):
        return 'sha256=' + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()

    def _post_facebook(self, payload, signature=None, account=None, raw=None):
        raw = raw if raw is not None else json.dumps(payload).encode()
        headers = {'Content-Type': 'application/json'}
        if signature is None:
            signature = self._facebook_sign(raw)
        if signature:
            headers['X-Hub-Signature-256'] = signature
        return self.url_open(f'/cskh/webhook/facebook/{(account or self.facebook).id}', data=raw, headers=headers)

    # ---- queues ----

    def _events(self, account=None):
        return self.env['cskh.channel.event'].search([('account_id', '=', (account or self.zalo).id)])

    def _run_cron(self, xmlid):
        self.env.ref(xmlid).method_direct_trigger()
        self.env.invalidate_all()

    def _process_events(self):
        self._run_cron('cskh_helpdesk.cskh_channel_event_cron_process')

    def _send_deliveries(self):
        self._run_cron('cskh_helpdesk.cskh_channel_delivery_cron_send')

    def _agent_reply(self, ticket, body, **kwargs):
        return ticket.with_user(self.user_agent).message_post(
            body=Markup(body), message_type='comment', subtype_xmlid='mail.mt_comment', **kwargs)
