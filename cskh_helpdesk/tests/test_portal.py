import threading
import time

from odoo import SUPERUSER_ID, api
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from odoo.addons.cskh_helpdesk.controllers.portal import CskhCustomerPortal
from odoo.addons.cskh_helpdesk.models.cskh_ticket import WEB_FORM_LOCK_SPACE

from .common import CskhPortalCommon, freeze


@tagged('post_install', '-at_install', 'cskh')
class TestPortalAccess(CskhPortalCommon):

    def test_portal_record_rule(self):
        Ticket = self.env['cskh.ticket'].with_user(self.user_portal)
        tickets = Ticket.search([('id', 'in', (self.ticket_own | self.ticket_colleague | self.ticket_other).ids)])
        self.assertEqual(tickets.ids, (self.ticket_own | self.ticket_colleague).sorted().ids)
        with self.assertRaises(AccessError):
            Ticket.browse(self.ticket_other.id).read(['name'])
        with self.assertRaises(AccessError):
            Ticket.browse(self.ticket_own.id).write({'name': 'Changed'})
        with self.assertRaises(AccessError):
            Ticket.create({'name': 'Direct create', 'team_id': self.team.id})
        # following a ticket gives read access to it
        self.ticket_other.message_subscribe(partner_ids=self.partner_portal.ids)
        self.assertEqual(Ticket.browse(self.ticket_other.id).name, 'Secret of another customer')

    def test_home_counter(self):
        self.authenticate('cskh_portal', 'cskh_portal')
        response = self.url_open('/my')
        self.assertEqual(response.status_code, 200)
        self.assertIn('data-placeholder_count="cskh_ticket_count"', response.text)
        self.assertIn('href="/my/cskh-tickets"', response.text)
        counters = self.make_jsonrpc_request('/my/counters', {'counters': ['cskh_ticket_count']})
        self.assertEqual(counters['cskh_ticket_count'], 2)

    def test_portal_urls_namespaced(self):
        """Our portal pages live under /my/cskh-tickets: /my/tickets and its pages are
        routed by the other helpdesks (Odoo's Helpdesk, OCA helpdesk_mgmt), which would
        make one of the two portals unreachable."""
        ours = {rule.rule for rule in self.env['ir.http'].routing_map().iter_rules()
                if rule.endpoint.__module__.startswith('odoo.addons.cskh_helpdesk.')}
        self.assertTrue({'/my/cskh-tickets', '/my/cskh-tickets/page/<int:page>', '/my/cskh-tickets/<int:ticket_id>',
                         '/my/cskh-tickets/<int:ticket_id>/close', '/my/cskh-tickets/new'} <= ours)
        self.assertFalse({rule for rule in ours if rule.startswith('/my/') and not rule.startswith('/my/cskh-')})
        # every link we generate: the record's portal URL, the email buttons (/mail/view)
        self.assertEqual(self.ticket_own.access_url, f'/my/cskh-tickets/{self.ticket_own.id}')
        self.assertTrue(self.ticket_own.get_portal_url().startswith(f'/my/cskh-tickets/{self.ticket_own.id}?'))
        self.authenticate('cskh_portal', 'cskh_portal')
        response = self.url_open(
            f'/mail/view?model=cskh.ticket&res_id={self.ticket_own.id}', allow_redirects=False)
        self.assertIn(f'/my/cskh-tickets/{self.ticket_own.id}', response.headers['Location'])

    def test_list_only_own_tickets(self):
        self.authenticate('cskh_portal', 'cskh_portal')
        response = self.url_open('/my/cskh-tickets')
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.ticket_own.number, response.text)
        self.assertIn(self.ticket_colleague.number, response.text)
        self.assertNotIn(self.ticket_other.number, response.text)
        self.assertNotIn('Secret of another customer', response.text)

    def test_list_filters_search_sort_pager(self):
        self.ticket_colleague.stage_id = self.stage_solved
        self.authenticate('cskh_portal', 'cskh_portal')
        open_page = self.url_open('/my/cskh-tickets').text
        self.assertIn(self.ticket_own.number, open_page)
        self.assertNotIn(self.ticket_colleague.number, open_page)
        closed_page = self.url_open('/my/cskh-tickets?filterby=closed').text
        self.assertNotIn(self.ticket_own.number, closed_page)
        self.assertIn(self.ticket_colleague.number, closed_page)
        found = self.url_open('/my/cskh-tickets', params={'filterby': 'all', 'search': 'hóa đơn'}).text
        self.assertIn(self.ticket_colleague.number, found)
        self.assertNotIn(self.ticket_own.number, found)
        for sortby in ('date', 'update', 'number', 'name', 'stage', 'bogus'):
            response = self.url_open('/my/cskh-tickets', params={'filterby': 'all', 'sortby': sortby})
            self.assertEqual(response.status_code, 200, sortby)
            self.assertIn(self.ticket_own.number, response.text)
        step = CskhCustomerPortal._items_per_page
        self.env['cskh.ticket'].create([
            {'name': f'Ticket {i}', 'team_id': self.team.id, 'partner_id': self.partner_portal.id}
            for i in range(step)])
        page_1 = self.url_open('/my/cskh-tickets').text
        self.assertEqual(page_1.count('o_cskh_portal_ticket_row'), step)
        page_2 = self.url_open('/my/cskh-tickets/page/2').text
        self.assertEqual(page_2.count('o_cskh_portal_ticket_row'), 1, "step + 1 open tickets")

    def test_open_own_ticket(self):
        self.ticket_own.user_id = self.user_agent
        self.ticket_own.description = '<p>The printer shows error E-42</p>'
        self.authenticate('cskh_portal', 'cskh_portal')
        response = self.url_open(f'/my/cskh-tickets/{self.ticket_own.id}')
        self.assertEqual(response.status_code, 200)
        for expected in (self.ticket_own.number, 'Máy in không hoạt động', self.team.name, 'Agent Lan',
                         'error E-42', 'o_portal_chatter', 'Close this ticket'):
            self.assertIn(expected, response.text)

    def test_survey_answer_shown(self):
        self.team.use_survey = True
        self.ticket_own.stage_id = self.stage_solved
        response = self.ticket_own.survey_response_ids
        self.assertEqual(len(response), 1)
        self.authenticate('cskh_portal', 'cskh_portal')
        page = self.url_open(f'/my/cskh-tickets/{self.ticket_own.id}')
        self.assertNotIn('ticket_survey_answer', page.text, "no block before an answer")
        response._apply_answer(4, nps=9, ces=2, comment='Nhân viên hỗ trợ rất nhiệt tình')
        page = self.url_open(f'/my/cskh-tickets/{self.ticket_own.id}')
        self.assertIn('ticket_survey_answer', page.text)
        self.assertIn('4/5', page.text)
        self.assertIn('9/10', page.text)
        self.assertIn('Nhân viên hỗ trợ rất nhiệt tình', page.text)

    def test_open_other_customer_ticket(self):
        self.authenticate('cskh_portal', 'cskh_portal')
        for url in (f'/my/cskh-tickets/{self.ticket_other.id}', '/my/cskh-tickets/999999'):
            with self.assertNoLogs('odoo.http', 'WARNING'):  # a 404 is raised, not returned
                response = self.url_open(url)
            self.assertEqual(response.status_code, 404, url)
            self.assertNotIn('Secret of another customer', response.text)
            self.assertNotIn('Traceback', response.text)

    def test_token_link_without_login(self):
        token = self.ticket_other._portal_ensure_token()
        response = self.url_open(f'/my/cskh-tickets/{self.ticket_other.id}?access_token={token}')
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.ticket_other.number, response.text)
        self.assertIn(f'data-token="{token}"', response.text)

    def test_wrong_token(self):
        self.ticket_other._portal_ensure_token()
        with self.assertNoLogs('odoo.http', 'WARNING'):
            response = self.url_open(f'/my/cskh-tickets/{self.ticket_other.id}?access_token=not-the-token')
        self.assertEqual(response.status_code, 404)
        self.assertNotIn('Secret of another customer', response.text)
        self.assertNotIn('Traceback', response.text)
        # without token, anonymous visitors are sent to the login page
        response = self.url_open(f'/my/cskh-tickets/{self.ticket_other.id}', allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertIn('/web/login', response.headers['Location'])
        # a portal user with another ticket's token does not get this one
        token_own = self.ticket_own._portal_ensure_token()
        self.authenticate('cskh_portal', 'cskh_portal')
        with self.assertNoLogs('odoo.http', 'WARNING'):
            response = self.url_open(f'/my/cskh-tickets/{self.ticket_other.id}?access_token={token_own}')
        self.assertEqual(response.status_code, 404)


@tagged('post_install', '-at_install', 'cskh')
class TestPortalActions(CskhPortalCommon):

    def _post_message(self, ticket, body, **params):
        return self.url_open('/mail/message/post', json={'params': {
            'thread_model': 'cskh.ticket',
            'thread_id': ticket.id,
            'post_data': {'body': body, 'message_type': 'comment', 'subtype_xmlid': 'mail.mt_comment'},
            **params,
        }})

    def test_reply_from_portal_chatter(self):
        self.ticket_own.message_subscribe(partner_ids=self.user_agent.partner_id.ids)
        self.authenticate('cskh_portal', 'cskh_portal')
        with self.mock_mail_gateway():
            response = self._post_message(self.ticket_own, 'Máy in vẫn lỗi sau khi khởi động lại')
        self.assertEqual(response.status_code, 200)
        message = self.ticket_own.message_ids[0]
        self.assertEqual(message.author_id, self.partner_portal)
        self.assertIn('vẫn lỗi', str(message.body))
        self.assertEqual(message.subtype_id, self.env.ref('mail.mt_comment'))
        # the agents following the ticket receive it like an email reply
        self.assertIn(self.user_agent.partner_id, message.notified_partner_ids)

    @mute_logger('odoo.http')
    def test_reply_refused_on_other_ticket(self):
        self.authenticate('cskh_portal', 'cskh_portal')
        messages_before = self.ticket_other.message_ids
        self._post_message(self.ticket_other, 'Intrusion')
        self._post_message(self.ticket_other, 'Intrusion', token='not-the-token')
        self.ticket_other.invalidate_recordset(['message_ids'])
        self.assertEqual(self.ticket_other.message_ids, messages_before)

    def test_reply_with_token_without_login(self):
        token = self.ticket_other._portal_ensure_token()
        self.authenticate(None, None)
        response = self._post_message(self.ticket_other, 'Reply from the email link', token=token)
        self.assertEqual(response.status_code, 200)
        self.assertIn('Reply from the email link', str(self.ticket_other.message_ids[0].body))

    def test_close_ticket(self):
        self.authenticate('cskh_portal', 'cskh_portal')
        response = self.url_open(
            f'/my/cskh-tickets/{self.ticket_own.id}/close', data={'csrf_token': self._csrf()}, allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self.ticket_own.stage_id, self.stage_solved, "First closing stage that is not a cancellation")
        self.assertTrue(self.ticket_own.is_closed)
        log = self.ticket_own.message_ids.filtered(lambda m: 'closed the ticket' in str(m.body))
        self.assertEqual(log.author_id, self.partner_portal)
        page = self.url_open(f'/my/cskh-tickets/{self.ticket_own.id}').text
        self.assertNotIn('Close this ticket', page)

    @mute_logger('odoo.http')
    def test_close_refused(self):
        self.authenticate('cskh_portal', 'cskh_portal')
        # no CSRF token
        response = self.url_open(f'/my/cskh-tickets/{self.ticket_own.id}/close', data={'x': '1'})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.ticket_own.is_closed)
        # not his ticket
        response = self.url_open(f'/my/cskh-tickets/{self.ticket_other.id}/close', data={'csrf_token': self._csrf()})
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self.ticket_other.is_closed)

    def test_close_with_token(self):
        token = self.ticket_other._portal_ensure_token()
        self.authenticate(None, None)
        self.url_open(f'/my/cskh-tickets/{self.ticket_other.id}/close',
                      data={'csrf_token': self._csrf(), 'access_token': token})
        self.assertEqual(self.ticket_other.stage_id, self.stage_solved)
        log = self.ticket_other.message_ids.filtered(lambda m: 'closed the ticket' in str(m.body))
        self.assertEqual(log.author_id, self.customer)

    def test_close_without_closing_stage(self):
        ticket = self._create_ticket(team_id=self.team_private.id, partner_id=self.partner_portal.id)
        self.team_private.stage_ids = self.other_stage
        self.assertFalse(ticket._portal_can_close())
        ticket.action_portal_close(partner=self.partner_portal)
        self.assertFalse(ticket.is_closed)

    def test_portal_form_refused_to_staff(self):
        """A staff member never files a portal ticket in his own name: he would be its
        customer and his request would count as an agent's answer."""
        self.authenticate('cskh_agent', 'cskh_agent')
        response = self.url_open('/my/cskh-tickets/new')
        self.assertEqual(response.status_code, 403)
        self.assertIn('o_cskh_portal_ticket_new_staff', response.text)
        self.assertNotIn('o_cskh_ticket_form', response.text)
        response = self.url_open('/my/cskh-tickets/new', data=self._form_data(name='Ticket của nhân viên'))
        self.assertEqual(response.status_code, 403)
        self.assertFalse(self._web_tickets())

    def test_portal_new_ticket_with_attachment(self):
        self.authenticate('cskh_portal', 'cskh_portal')
        self.assertEqual(self.url_open('/my/cskh-tickets/new').status_code, 200)
        response = self.url_open('/my/cskh-tickets/new', data=self._form_data(
            partner_name='Someone Else', partner_email='spoof@example.com', name='Máy in kẹt giấy'),
            files=[('attachments', ('loi.png', b'\x89PNG fake image', 'image/png')),
                   ('attachments', ('page.html', b'<script>alert(1)</script>', 'text/html'))])
        self.assertEqual(response.status_code, 200)
        ticket = self._web_tickets()
        self.assertEqual(len(ticket), 1)
        self.assertIn(ticket.number, response.text)
        self.assertEqual(ticket.name, 'Máy in kẹt giấy')
        self.assertEqual(ticket.partner_id, self.partner_portal, "Portal users file tickets in their own name")
        self.assertEqual(ticket.partner_email, self.partner_portal.email)
        self.assertEqual(ticket.team_id, self.team)
        self.assertIn(self.partner_portal, ticket.message_partner_ids)
        attachments = self.env['ir.attachment'].search([('res_model', '=', 'cskh.ticket'), ('res_id', '=', ticket.id)])
        self.assertEqual(sorted(attachments.mapped('name')), ['loi.png', 'page.html'])
        self.assertEqual(attachments.filtered(lambda a: a.name == 'page.html').mimetype, 'text/plain',
                         "Uploaded HTML is never served as HTML")
        first_message = ticket.message_ids.filtered(lambda m: m.author_id == self.partner_portal)
        self.assertEqual(first_message.attachment_ids, attachments)
        # he can open it right away
        self.assertEqual(self.url_open(f'/my/cskh-tickets/{ticket.id}').status_code, 200)


@tagged('post_install', '-at_install', 'cskh')
class TestWebForm(CskhPortalCommon):

    def setUp(self):
        super().setUp()
        self.authenticate(None, None)

    def test_form_renders(self):
        response = self.url_open(f'/cskh/submit?team={self.team.id}')
        self.assertEqual(response.status_code, 200)
        self.assertIn('name="csrf_token"', response.text)
        self.assertIn('name="cskh_website"', response.text)
        self.assertIn(self.team.name, response.text)
        self.team_c2.use_website_form = True
        response = self.url_open('/cskh/submit')
        self.assertIn(f'<option value="{self.team.id}"', response.text)
        self.assertIn(f'<option value="{self.team_c2.id}"', response.text)
        self.assertNotIn(self.team_private.name, response.text)

    def test_form_unknown_or_unpublished_team(self):
        for team in (str(self.team_private.id), '999999', 'abc'):
            with self.assertNoLogs('odoo.http', 'WARNING'):
                self.assertEqual(self.url_open(f'/cskh/submit?team={team}').status_code, 404, team)
        response = self.url_open(f'/cskh/submit?team={self.team.id}', data=self._form_data(
            team_id=str(self.team_private.id)))
        self.assertEqual(response.status_code, 200)
        ticket = self._web_tickets()
        self.assertEqual(ticket.team_id, self.team, "The team of the URL wins over a forged field")

    def test_valid_submission_new_customer(self):
        response = self.url_open(
            f'/cskh/submit?team={self.team.id}', data=self._form_data(),
            files=[('attachments', ('hoa-don.pdf', b'%PDF-1.4 fake', 'application/pdf'))])
        self.assertEqual(response.status_code, 200)
        ticket = self._web_tickets()
        self.assertEqual(len(ticket), 1)
        self.assertIn(ticket.number, response.text)
        self.assertEqual(ticket.channel, 'web')
        self.assertEqual(ticket.name, 'Cách đổi mật khẩu?')
        self.assertEqual(ticket.type_id, self.env.ref('cskh_helpdesk.type_question'))
        self.assertIn('Xin hướng dẫn.', str(ticket.description))
        self.assertEqual(ticket.partner_id.name, 'Phạm Minh Đức')
        self.assertEqual(ticket.partner_id.email, 'duc.pham@example.vn')
        self.assertEqual(ticket.partner_phone, '0903 123 456')
        self.assertEqual(ticket.web_form_ip, '127.0.0.1')
        self.assertIn(ticket.partner_id, ticket.message_partner_ids)
        self.assertNotIn(self.env.ref('base.public_partner'), ticket.message_partner_ids)
        self.assertEqual(ticket.message_ids.attachment_ids.mapped('name'), ['hoa-don.pdf'])
        # the public confirmation does not leak an access link
        self.assertNotIn('access_token', response.text)

    def test_valid_submission_known_customer(self):
        self.url_open(f'/cskh/submit?team={self.team.id}', data=self._form_data(
            partner_email='An.Nguyen@Example.vn', partner_name='An'))
        ticket = self._web_tickets()
        self.assertEqual(ticket.partner_id, self.customer, "Matched by email, no duplicate contact")
        self.assertEqual(ticket.customer_tier, 'vip')

    def test_employee_email_never_impersonated(self):
        """Anybody can type an employee's address: the ticket gets a customer contact of
        its own (the employee is neither its customer nor the author of its request),
        and its first message is not an agent's answer."""
        employee_partner = self.user_agent.partner_id
        response = self.url_open(f'/cskh/submit?team={self.team.id}', data=self._form_data(
            partner_email='Lan@Example.com', partner_name='Someone'))
        self.assertEqual(response.status_code, 200)
        ticket = self._web_tickets()
        self.assertIn(ticket.number, response.text)
        self.assertNotEqual(ticket.partner_id, employee_partner)
        self.assertTrue(ticket.partner_id.partner_share)
        self.assertEqual(ticket.partner_id.email_normalized, 'lan@example.com')
        request_message = ticket.message_ids.filtered(lambda m: m.message_type == 'comment')
        self.assertEqual(request_message.author_id, ticket.partner_id)
        self.assertNotIn(employee_partner, ticket.message_partner_ids)
        self.assertRecordValues(ticket, [{'agent_reply_count': 0, 'date_first_response': False}])
        # the next submission with that address reuses that contact
        self.url_open(f'/cskh/submit?team={self.team.id}', data=self._form_data(partner_email='lan@example.com'))
        self.assertEqual(self._web_tickets().partner_id, ticket.partner_id)

    def test_public_attachments_total_cap(self):
        """The public form (unverified sender) caps the total size of the files; the portal
        form only caps each file."""
        self.env['ir.config_parameter'].set_param('cskh_helpdesk.web_form_public_max_total_size', 1)
        files = [('attachments', (f'photo{i}.jpg', b'x' * (600 * 1024), 'image/jpeg')) for i in range(2)]
        page = self.url_open(f'/cskh/submit?team={self.team.id}').text
        self.assertIn('At most 5 files of 10 MB each, 1 MB in total.', page)
        response = self.url_open(f'/cskh/submit?team={self.team.id}', data=self._form_data(), files=files)
        self.assertIn('The attachments are too large: at most 1 MB in total.', response.text)
        self.assertFalse(self._web_tickets())
        response = self.url_open(f'/cskh/submit?team={self.team.id}', data=self._form_data(), files=files[:1])
        self.assertEqual(self._web_tickets().message_ids.attachment_ids.mapped('name'), ['photo0.jpg'])
        self.authenticate('cskh_portal', 'cskh_portal')
        page = self.url_open('/my/cskh-tickets/new').text
        self.assertIn('At most 5 files of 10 MB each.', page)
        self.url_open('/my/cskh-tickets/new', data=self._form_data(name='Ảnh chụp màn hình'), files=files)
        ticket = self._web_tickets().filtered(lambda t: t.partner_id == self.partner_portal)
        self.assertEqual(len(ticket.message_ids.attachment_ids), 2)

    def test_missing_fields_rerender_with_values(self):
        response = self.url_open(f'/cskh/submit?team={self.team.id}', data=self._form_data(
            name='', partner_email='not-an-email', description='Chi tiết <b>quan trọng</b>'))
        self.assertEqual(response.status_code, 200)
        self.assertFalse(self._web_tickets())
        self.assertIn('This field is required.', response.text)
        self.assertIn('Please enter a valid email address.', response.text)
        # nothing typed is lost (and it is escaped)
        self.assertIn('value="Phạm Minh Đức"', response.text)
        self.assertIn('value="not-an-email"', response.text)
        self.assertIn('Chi tiết &lt;b&gt;quan trọng&lt;/b&gt;', response.text)
        self.assertIn('value="0903 123 456"', response.text)

    def test_too_long_text(self):
        response = self.url_open(f'/cskh/submit?team={self.team.id}', data=self._form_data(name='x' * 300))
        self.assertIn('This text is too long: at most 256 characters.', response.text)
        self.assertFalse(self._web_tickets())

    def test_missing_team_choice(self):
        self.team_c2.use_website_form = True
        response = self.url_open('/cskh/submit', data=self._form_data(team_id=''))
        self.assertIn('Please choose a team.', response.text)
        self.assertFalse(self._web_tickets())

    def test_oversized_attachment_refused(self):
        self.env['ir.config_parameter'].set_param('cskh_helpdesk.web_form_max_file_size', 1)
        response = self.url_open(
            f'/cskh/submit?team={self.team.id}', data=self._form_data(),
            files=[('attachments', ('big.bin', b'x' * (1024 * 1024 + 1), 'application/octet-stream'))])
        self.assertEqual(response.status_code, 200)
        self.assertIn('is too large', response.text)
        self.assertIn('value="Cách đổi mật khẩu?"', response.text)
        self.assertFalse(self._web_tickets())

    def test_too_many_files_refused(self):
        self.env['ir.config_parameter'].set_param('cskh_helpdesk.web_form_max_files', 2)
        files = [('attachments', (f'f{i}.txt', b'x', 'text/plain')) for i in range(3)]
        response = self.url_open(f'/cskh/submit?team={self.team.id}', data=self._form_data(), files=files)
        self.assertIn('You can attach at most 2 files.', response.text)
        self.assertFalse(self._web_tickets())

    def test_honeypot_filled_creates_nothing(self):
        response = self.url_open(f'/cskh/submit?team={self.team.id}', data=self._form_data(
            cskh_website='http://spam.example.com'))
        self.assertEqual(response.status_code, 200)
        self.assertIn('Your request has been received.', response.text)
        self.assertFalse(self._web_tickets())
        self.assertFalse(self.env['res.partner'].search([('email', '=', 'duc.pham@example.vn')]))

    @mute_logger('odoo.http')
    def test_csrf_required(self):
        data = self._form_data()
        del data['csrf_token']
        response = self.url_open(f'/cskh/submit?team={self.team.id}', data=data)
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self._web_tickets())

    def test_rate_limit_per_ip_refuses_extra_submissions(self):
        self.env['ir.config_parameter'].set_param('cskh_helpdesk.web_form_rate_limit', 2)
        for i in range(2):
            self.url_open(f'/cskh/submit?team={self.team.id}', data=self._form_data(
                partner_email=f'sender{i}@example.vn'))
        self.assertEqual(len(self._web_tickets()), 2)
        # third one from the same IP, new email
        response = self.url_open(f'/cskh/submit?team={self.team.id}', data=self._form_data(
            partner_email='sender9@example.vn'))
        self.assertIn('too many requests', response.text)
        self.assertEqual(len(self._web_tickets()), 2)
        self.assertFalse(self.env['res.partner'].search([('email', '=', 'sender9@example.vn')]),
                         "The rate limit comes before any contact is looked up or created")
        # by email: tickets of that address sent from elsewhere count too
        self.env['ir.config_parameter'].set_param('cskh_helpdesk.web_form_rate_limit', 3)
        self._web_tickets().sudo().web_form_ip = '10.0.0.1'
        self.env['cskh.ticket'].create([{
            'name': f'Earlier {i}', 'team_id': self.team.id, 'channel': 'web',
            'partner_email': 'flood@example.vn', 'web_form_ip': '10.0.0.2'} for i in range(3)])
        response = self.url_open(f'/cskh/submit?team={self.team.id}', data=self._form_data(
            partner_email='Flood@example.vn'))
        self.assertIn('too many requests', response.text)
        self.assertEqual(len(self._web_tickets()), 5)
        response = self.url_open(f'/cskh/submit?team={self.team.id}', data=self._form_data(
            partner_email='calm@example.vn'))
        self.assertEqual(len(self._web_tickets()), 6)

    def test_rate_limit_counts_recent_web_tickets_only(self):
        Ticket = self.env['cskh.ticket']
        Ticket.create({'name': 'Web', 'team_id': self.team.id, 'channel': 'web', 'web_form_ip': '10.1.1.1'})
        Ticket.create({'name': 'Mail', 'team_id': self.team.id, 'channel': 'email', 'partner_email': 'x@example.vn'})
        self.assertEqual(Ticket._get_web_form_recent_count(ip='10.1.1.1'), 1)
        self.assertEqual(Ticket._get_web_form_recent_count(email='x@example.vn'), 0, "Only web tickets count")
        self.assertEqual(Ticket._get_web_form_recent_count(email='%'), 0, "No wildcard match")
        self.assertEqual(Ticket._get_web_form_recent_count(), 0)
        with freeze('2999-01-01'):
            self.assertEqual(Ticket._get_web_form_recent_count(ip='10.1.1.1'), 0)


@tagged('post_install', '-at_install', 'cskh')
class TestWebFormRateLimitRace(TransactionCase):
    """Two web submissions at the last slot of the rate limit, in two real transactions
    (two Odoo workers): only one may pass."""

    IP = '203.0.113.7'
    EMAIL = 'race@example.com'

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {})

    def _cleanup(self):
        with self.registry.cursor() as cr:
            tickets = self._env(cr)['cskh.ticket'].with_context(active_test=False).search(
                [('web_form_ip', '=', self.IP)])
            tickets.unlink()

    def _wait_for_lock_wait(self, pid):
        """Whether the backend ``pid`` starts waiting for a web form lock within 20 s."""
        with self.registry.cursor() as cr:
            for _attempt in range(200):
                cr.execute("""
                    SELECT 1 FROM pg_locks
                     WHERE locktype = 'advisory' AND NOT granted AND pid = %s AND classid = %s
                """, [pid, WEB_FORM_LOCK_SPACE])
                if cr.fetchone():
                    return True
                time.sleep(0.1)
        return False

    def test_parallel_submissions_last_slot(self):
        self.addCleanup(self._cleanup)
        with self.registry.cursor() as cr_1, self.registry.cursor() as cr_2:
            env_1, env_2 = self._env(cr_1), self._env(cr_2)
            # both requests have already read the database: their snapshots are taken
            for env in (env_1, env_2):
                self.assertEqual(env['cskh.ticket']._get_web_form_recent_count(ip=self.IP, email=self.EMAIL), 0)
            cr_2.execute("SELECT pg_backend_pid()")
            pid_2 = cr_2.fetchone()[0]

            # the first submission takes the last slot and creates its ticket...
            self.assertTrue(env_1['cskh.ticket']._web_form_take_rate_slot(self.IP, self.EMAIL, limit=1))
            env_1['cskh.ticket'].create({'name': 'First', 'channel': 'web', 'web_form_ip': self.IP})
            env_1.flush_all()
            # ... and its worker commits once the second submission waits for it
            waited = []

            def commit_first():
                waited.append(self._wait_for_lock_wait(pid_2))
                cr_1.commit()
            thread = threading.Thread(target=commit_first)
            thread.start()
            cr_2.execute("SET LOCAL lock_timeout = '30s'")
            allowed = env_2['cskh.ticket']._web_form_take_rate_slot(self.IP, self.EMAIL, limit=1)
            thread.join(30)
            self.assertEqual(waited, [True], "the second submission waits for the first one")
            self.assertFalse(allowed, "the second submission sees the first one's ticket")

    def test_other_keys_do_not_wait(self):
        """Submissions from another IP with another email are not held up."""
        self.addCleanup(self._cleanup)
        with self.registry.cursor() as cr_1, self.registry.cursor() as cr_2:
            env_1, env_2 = self._env(cr_1), self._env(cr_2)
            self.assertTrue(env_1['cskh.ticket']._web_form_take_rate_slot(self.IP, self.EMAIL, limit=1))
            cr_2.execute("SET LOCAL lock_timeout = '2s'")
            self.assertTrue(env_2['cskh.ticket']._web_form_take_rate_slot('198.51.100.1', 'other@example.com', limit=1))


@tagged('post_install', '-at_install', 'cskh')
class TestPortalVietnamese(CskhPortalCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env['res.lang']._activate_lang('vi_VN')
        cls.user_portal.lang = 'vi_VN'

    def test_pages_render_in_vietnamese(self):
        ticket = self._create_ticket(name='Đổi trả hàng', partner_id=self.partner_portal.id)
        with freeze('2025-03-14 10:00:00'):
            ticket.stage_id = self.stage_solved
            ticket.flush_recordset()
        ticket.message_post(body='Xin chào', message_type='comment')
        self.authenticate('cskh_portal', 'cskh_portal')
        self.assertIn('03/14/2025', self.url_open(f'/en/my/cskh-tickets/{ticket.id}').text)
        pages = {
            '/vi/my': 'cskh_ticket_count',
            '/vi/my/cskh-tickets?filterby=closed': 'Đổi trả hàng',
            f'/vi/my/cskh-tickets/{ticket.id}': 'Đổi trả hàng',
            '/vi/my/cskh-tickets/new': 'o_cskh_ticket_form',
        }
        for url, expected in pages.items():
            response = self.url_open(url)
            self.assertEqual(response.status_code, 200, url)
            self.assertIn(expected, response.text, url)
        # dates follow the Vietnamese format
        self.assertIn('14/03/2025', self.url_open(f'/vi/my/cskh-tickets/{ticket.id}').text)
        self.authenticate(None, None)
        response = self.url_open(f'/vi/cskh/submit?team={self.team.id}')
        self.assertEqual(response.status_code, 200)
        response = self.url_open(f'/vi/cskh/submit?team={self.team.id}', data=self._form_data())
        self.assertEqual(response.status_code, 200)
        web_ticket = self._web_tickets()
        self.assertIn(web_ticket.number, response.text)
        self.assertEqual(web_ticket.partner_id.lang, 'vi_VN', "New customers are answered in their language")

    def test_sentences_translate_as_a_whole(self):
        """A sentence with values is one term for translators (not "At most" / "files of" /
        "MB each."), and its translation keeps the values."""
        view = self.env.ref('cskh_helpdesk.ticket_form')
        terms = self.env['ir.ui.view']._fields['arch_db'].get_trans_terms(view.arch_db)
        term = ('At most <t class="o_translate_inline" t-out="max_files"/> files of '
                '<t class="o_translate_inline" t-out="max_file_size"/> MB each.')
        self.assertIn(term, terms)
        self.assertFalse({'At most', 'files of', 'MB each.'} & set(terms))
        view.update_field_translations('arch_db', {'vi_VN': {term: term.replace('At most', 'Tối đa').replace(
            'files of', 'tệp, mỗi tệp tối đa').replace('MB each.', 'MB.')}})
        self.authenticate('cskh_portal', 'cskh_portal')
        self.assertIn('Tối đa 5 tệp, mỗi tệp tối đa 10 MB.', self.url_open('/vi/my/cskh-tickets/new').text)


@tagged('post_install', '-at_install', 'cskh')
class TestPortalTour(CskhPortalCommon):

    def test_portal_tour(self):
        self.ticket_own.write({'name': 'Máy in không hoạt động'})
        self.ticket_own.message_post(body='Please restart the printer.', author_id=self.user_agent.partner_id.id,
                                     message_type='comment', subtype_xmlid='mail.mt_comment')
        self.team_c2.use_website_form = True
        self.start_tour('/my', 'cskh_portal_tour', login='cskh_portal')
        self.assertTrue(self.ticket_own.message_ids.filtered(lambda m: 'Still broken' in str(m.body)))
        ticket = self._web_tickets()
        self.assertEqual(ticket.name, 'Tour ticket')
        self.assertEqual(ticket.partner_id, self.partner_portal)
