from datetime import datetime

from odoo.exceptions import AccessError
from odoo.tests import Form, HttpCase, JsonRpcException, tagged, users
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import CskhCommon

# internal fields a customer must never read (one per kind: classification, handling
# script, sales link, escalation, SLA internals, agent KPIs, web form data, survey)
PORTAL_HIDDEN_FIELDS = [
    'customer_tier', 'type_script', 'lead_id', 'escalation_level', 'sla_deadline', 'sla_status_ids',
    'sla_paused_hours', 'date_first_response', 'agent_reply_count', 'frt_hours', 'fcr', 'tag_ids',
    'kanban_state', 'web_form_ip', 'survey_csat', 'activity_ids', 'rating_ids',
]


@tagged('post_install', '-at_install', 'cskh')
class TestPortalFieldAccess(CskhCommon, HttpCase):
    """Portal users read a ticket's customer-facing fields only, through the ORM and
    over RPC, and never the customer tier of a contact."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_portal = mail_new_test_user(
            cls.env, login='cskh_portal_fields', name='Trần Thị Bình', email='binh.tran@hoasen.example.vn',
            groups='base.group_portal')
        cls.user_portal.partner_id.cskh_customer_tier = 'vip'
        cls.ticket = cls._create_ticket(name='Máy in không hoạt động', partner_id=cls.user_portal.partner_id.id)
        cls.ticket.message_post(body='Vui lòng khởi động lại máy in.', author_id=cls.user_agent.partner_id.id,
                                message_type='comment', subtype_xmlid='mail.mt_comment')

    def _call_kw(self, model, method, args, kwargs=None):
        return self.make_jsonrpc_request(f'/web/dataset/call_kw/{model}/{method}', {
            'model': model, 'method': method, 'args': args, 'kwargs': kwargs or {},
        })

    @users('cskh_portal_fields')
    def test_portal_reads_customer_fields_only(self):
        ticket = self.env['cskh.ticket'].browse(self.ticket.id)
        values = ticket.read(['number', 'name', 'description', 'stage_id', 'priority', 'partner_id',
                              'create_date', 'date_closed', 'is_closed', 'access_url', 'display_name'])[0]
        self.assertEqual(values['name'], 'Máy in không hoạt động')
        self.assertEqual(values['number'], self.ticket.number)
        self.assertEqual(values['stage_id'][0], self.stage_new.id)
        for fname in PORTAL_HIDDEN_FIELDS:
            with self.subTest(field=fname), self.assertRaises(AccessError):
                ticket.read([fname])
        with self.assertRaises(AccessError):
            ticket.search([('customer_tier', '=', 'vip')])
        # a read of all fields returns the customer-facing ones only
        self.assertFalse(set(ticket.read()[0]) & set(PORTAL_HIDDEN_FIELDS))
        self.assertFalse(set(ticket.fields_get()) & set(PORTAL_HIDDEN_FIELDS))

    @users('cskh_portal_fields')
    def test_portal_cannot_read_customer_tier(self):
        partner = self.env['res.partner'].browse(self.user_portal.partner_id.id)
        self.assertEqual(partner.read(['name'])[0]['name'], 'Trần Thị Bình')
        with self.assertRaises(AccessError):
            partner.read(['cskh_customer_tier'])
        with self.assertRaises(AccessError):
            partner.search([('cskh_customer_tier', '=', 'vip')])

    @mute_logger('odoo.http')
    def test_portal_rpc_hides_internal_fields(self):
        self.authenticate('cskh_portal_fields', 'cskh_portal_fields')
        result = self._call_kw('cskh.ticket', 'read', [[self.ticket.id], ['number', 'name']])
        self.assertEqual(result[0]['name'], 'Máy in không hoạt động')
        for fname in ('customer_tier', 'escalation_level', 'date_first_response', 'lead_id'):
            with self.subTest(field=fname), self.assertRaisesRegex(JsonRpcException, 'AccessError'):
                self._call_kw('cskh.ticket', 'read', [[self.ticket.id], [fname]])
        records = self._call_kw('cskh.ticket', 'search_read', [[('id', '=', self.ticket.id)]])
        self.assertEqual(len(records), 1)
        self.assertFalse(set(records[0]) & set(PORTAL_HIDDEN_FIELDS))
        with self.assertRaisesRegex(JsonRpcException, 'AccessError'):
            self._call_kw('cskh.ticket', 'web_read', [[self.ticket.id]], {'specification': {'customer_tier': {}}})
        partner_id = self.user_portal.partner_id.id
        self.assertEqual(self._call_kw('res.partner', 'read', [[partner_id], ['name']])[0]['name'], 'Trần Thị Bình')
        with self.assertRaisesRegex(JsonRpcException, 'AccessError'):
            self._call_kw('res.partner', 'read', [[partner_id], ['cskh_customer_tier']])

    def test_portal_chatter_still_works(self):
        """The portal chatter loads the conversation and posts as the customer."""
        self.authenticate('cskh_portal_fields', 'cskh_portal_fields')
        thread = {'thread_model': 'cskh.ticket', 'thread_id': self.ticket.id}
        store = self.make_jsonrpc_request('/portal/chatter_init', thread)
        self.assertTrue(any(t.get('hasReadAccess') for t in store.get('mail.thread', [])))
        messages = self.make_jsonrpc_request('/mail/chatter_fetch', thread)
        bodies = [str(m['body']) for m in messages['data']['mail.message']]
        self.assertTrue(any('khởi động lại' in body for body in bodies))
        with self.mock_mail_gateway():
            self.make_jsonrpc_request('/mail/message/post', {**thread, 'post_data': {
                'body': 'Vẫn lỗi', 'message_type': 'comment', 'subtype_xmlid': 'mail.mt_comment'}})
        self.assertIn('Vẫn lỗi', str(self.ticket.message_ids[0].body))
        self.assertEqual(self.ticket.message_ids[0].author_id, self.user_portal.partner_id)

    @users('cskh_portal_fields')
    @mute_logger('odoo.addons.base.models.ir_model')
    def test_portal_cannot_escalate(self):
        """Escalating writes the level as the system: the action first checks that the
        user may change the ticket."""
        with self.assertRaises(AccessError):
            self.env['cskh.ticket'].browse(self.ticket.id).action_escalate()
        self.assertEqual(self.ticket.escalation_level, 0)

    @users('cskh_agent')
    def test_agent_reads_internal_fields(self):
        ticket = self.env['cskh.ticket'].browse(self.ticket.id)
        self.assertEqual(ticket.read(['customer_tier', 'escalation_level'])[0]['customer_tier'], 'vip')
        self.assertEqual(self.env['res.partner'].browse(self.user_portal.partner_id.id).cskh_customer_tier, 'vip')


@tagged('post_install', '-at_install', 'cskh')
class TestKpiFieldAccess(CskhCommon):
    """The measures the helpdesk records itself (first response, counters, SLA pause,
    escalation, survey scores) cannot be set by an agent; his actions still update them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket = cls._create_ticket(partner_id=cls.customer.id)

    @users('cskh_agent')
    @mute_logger('odoo.models')
    def test_agent_cannot_write_kpis(self):
        ticket = self.env['cskh.ticket'].browse(self.ticket.id)
        now = datetime.now()
        forged = {
            'date_first_response': now, 'date_closed': now, 'agent_reply_count': 1, 'reopen_count': 0,
            'closure_count': 0, 'escalation_level': 0, 'sla_pause_date': now, 'sla_paused_hours': 99,
            'sla_deadline': now, 'sla_failed': False, 'sla_success': True, 'frt_hours': 0.1,
            'frt_calendar_hours': 0.1, 'resolution_hours': 1, 'resolution_calendar_hours': 1, 'fcr': True,
            'survey_csat': 5, 'survey_nps': 10, 'survey_ces': 7, 'survey_comment': 'Tuyệt vời',
            'survey_state': 'answered',
        }
        for fname, value in forged.items():
            with self.subTest(field=fname), self.assertRaises(AccessError):
                ticket.write({fname: value})
        with self.assertRaisesRegex(AccessError, 'First Response on.*Reopened'):
            ticket.write({'name': 'Changed', 'date_first_response': now, 'reopen_count': 3})
        with self.assertRaisesRegex(AccessError, 'Escalation Level'):
            self.env['cskh.ticket'].create({'name': 'Forged', 'team_id': self.team.id, 'escalation_level': 3})
        with self.assertRaises(AccessError):
            self.env['cskh.ticket'].with_context(default_agent_reply_count=1).create(
                {'name': 'Forged', 'team_id': self.team.id})
        self.assertRecordValues(self.ticket, [{
            'name': 'Không đăng nhập được', 'date_first_response': False, 'reopen_count': 0,
            'escalation_level': 0, 'sla_paused_hours': 0}])
        # the form shows them read-only
        fields = ticket.fields_get(['date_first_response', 'escalation_level', 'closure_count', 'name'], ['readonly'])
        self.assertTrue(fields['date_first_response']['readonly'])
        self.assertTrue(fields['closure_count']['readonly'])
        self.assertFalse(fields['name']['readonly'])

    @users('cskh_manager')
    def test_manager_corrects_kpis(self):
        ticket = self.env['cskh.ticket'].browse(self.ticket.id)
        ticket.write({'date_first_response': datetime(2026, 1, 5, 3, 0), 'reopen_count': 1, 'escalation_level': 2})
        self.assertRecordValues(ticket, [{'reopen_count': 1, 'escalation_level': 2}])

    @users('cskh_agent')
    def test_agent_actions_update_kpis(self):
        """Moving a ticket through its stages (Form), answering and escalating it by
        hand keep recording the measures the agent cannot write himself."""
        ticket = self.env['cskh.ticket'].browse(self.ticket.id)
        with Form(ticket) as form:
            form.stage_id = self.stage_waiting
        self.assertTrue(ticket.sla_pause_date)
        with Form(ticket) as form:
            form.stage_id = self.stage_progress
        self.assertFalse(ticket.sla_pause_date)
        ticket.message_post(body='Anh thử đăng nhập lại nhé', message_type='comment',
                            subtype_xmlid='mail.mt_comment')
        self.assertTrue(ticket.date_first_response)
        self.assertEqual(ticket.agent_reply_count, 1)
        with Form(ticket) as form:
            form.stage_id = self.stage_solved
        self.assertEqual(ticket.closure_count, 1)
        self.assertTrue(ticket.date_closed)
        self.assertTrue(ticket.fcr)
        with Form(ticket) as form:
            form.stage_id = self.stage_progress
        self.assertEqual(ticket.reopen_count, 1)
        self.assertFalse(ticket.fcr)
        ticket.action_escalate()
        self.assertEqual(ticket.escalation_level, 1)
        ticket.write({'stage_id': self.stage_solved.id})
        self.assertEqual(ticket.closure_count, 2)
