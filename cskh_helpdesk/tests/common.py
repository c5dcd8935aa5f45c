"""Base classes of the add-on's tests, built once per class.

``CskhCommon``: users per group, two companies, stages and teams; the feature bases
below add what their tests share (SLA calendar and policies, mail gateway, portal,
survey, crons in real cursors). ``freeze`` is the one clock helper of the tests.
"""
from contextlib import contextmanager
from datetime import datetime, timedelta
from email.utils import formatdate, make_msgid

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
