from odoo.exceptions import AccessError
from odoo.tests import Form, tagged, users

from .common import CskhCommon

SHORTCUTS = {
    'chao': 'hello', 'xinloi': 'sorry', 'madon': 'order',
    'cho': 'wait', 'dong': 'close', 'khaosat': 'survey',
}


@tagged('post_install', '-at_install', 'cskh')
class TestCannedResponses(CskhCommon):
    """The customer-care answers typed with ::shortcut in the chatter."""

    def _chatter_canned_responses(self):
        """The canned responses the web client loads for the current user
        (mail's webclient controller, ``mail.canned.response`` store request)."""
        user = self.env.user
        return self.env['mail.canned.response'].search([
            '|', ('create_uid', '=', user.id), ('group_ids', 'in', user.all_group_ids.ids)])

    def test_shipped_in_both_languages(self):
        agent_group = self.env.ref('cskh_helpdesk.cskh_helpdesk_group_agent')
        for vi, en in SHORTCUTS.items():
            for shortcut in (vi, en):
                with self.subTest(shortcut=shortcut):
                    response = self.env.ref(f'cskh_helpdesk.mail_canned_response_{shortcut}')
                    self.assertEqual(response.source, shortcut)
                    self.assertEqual(response.group_ids, agent_group)
                    # plain text, with visible placeholders: same on email, Zalo and Facebook
                    self.assertNotIn('<', response.substitution)
                    self.assertNotIn('{{', response.substitution)
        self.assertIn('[số đơn hàng]', self.env.ref('cskh_helpdesk.mail_canned_response_madon').substitution)
        self.assertIn('[order number]', self.env.ref('cskh_helpdesk.mail_canned_response_order').substitution)

    @users('cskh_agent')
    def test_agent_uses_them(self):
        sources = set(self._chatter_canned_responses().mapped('source'))
        self.assertLessEqual(set(SHORTCUTS) | set(SHORTCUTS.values()), sources)
        response = self.env.ref('cskh_helpdesk.mail_canned_response_madon')
        self.assertTrue(response.substitution)
        self.assertFalse(response.is_editable)
        with self.assertRaises(AccessError):
            response.write({'substitution': 'Sửa bởi nhân viên'})

    @users('plain_employee')
    def test_hidden_outside_helpdesk(self):
        self.assertFalse(self._chatter_canned_responses().filtered(
            lambda response: response.source in SHORTCUTS))
        response = self.env['mail.canned.response'].browse(
            self.env.ref('cskh_helpdesk.mail_canned_response_chao').id)
        with self.assertRaises(AccessError):
            response.read(['substitution'])

    @users('cskh_manager')
    def test_manager_edits_them(self):
        response = self.env['mail.canned.response'].browse(
            self.env.ref('cskh_helpdesk.mail_canned_response_chao').id)
        self.assertTrue(response.is_editable)
        with Form(response) as form:
            form.substitution = 'Xin chào [tên khách hàng], em là [tên nhân viên] ạ.'
        self.assertEqual(response.substitution, 'Xin chào [tên khách hàng], em là [tên nhân viên] ạ.')
        # a manager's own new shared answer, and no rights on other apps' shared ones
        own = self.env['mail.canned.response'].create({
            'source': 'camon', 'substitution': 'Cảm ơn anh/chị!',
            'group_ids': self.env.ref('cskh_helpdesk.cskh_helpdesk_group_agent').ids})
        self.assertTrue(own.is_editable)
        mail_hello = self.env.ref('mail.mail_canned_response_data_hello', raise_if_not_found=False)
        if mail_hello:
            self.assertFalse(mail_hello.with_env(self.env).is_editable)


@tagged('post_install', '-at_install', 'cskh')
class TestReplyTemplates(CskhCommon):
    """The reply template of the ticket type, proposed in the full composer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.type_complaint = cls.env.ref('cskh_helpdesk.type_complaint')
        cls.reply_template = cls.env.ref('cskh_helpdesk.mail_template_ticket_reply_complaint')
        cls.ticket = cls._create_ticket(
            name='Giao hàng trễ', partner_id=cls.customer.id, type_id=cls.type_complaint.id)

    def _full_composer(self, ticket, body='', subtype='mail.mt_comment'):
        """The composer as the chatter's "full composer" button opens it (mail's composer.js)."""
        return Form(self.env['mail.compose.message'].with_context(
            default_body=body, default_model='cskh.ticket', default_res_ids=ticket.ids,
            default_subtype_xmlid=subtype, default_email_add_signature=False,
            clicked_on_full_composer=True))

    def test_shipped_types_have_a_template(self):
        for xmlid in ('type_complaint', 'type_question', 'type_support'):
            with self.subTest(type=xmlid):
                template = self.env.ref(f'cskh_helpdesk.{xmlid}').reply_template_id
                self.assertEqual(template.model, 'cskh.ticket')

    @users('cskh_agent')
    def test_proposed_and_rendered(self):
        ticket = self.ticket.with_env(self.env)
        composer = self._full_composer(ticket)
        self.assertEqual(composer.template_id, self.reply_template)
        self.assertIn('Nguyễn Văn An', composer.body)
        self.assertIn(ticket.number, composer.body)
        self.assertIn(ticket.number, composer.subject)
        message = composer.save()
        message.action_send_mail()
        self.assertIn(ticket.number, ticket.message_ids[0].body)
        self.assertEqual(ticket.message_ids[0].subtype_id, self.env.ref('mail.mt_comment'))

    @users('cskh_agent')
    def test_not_proposed(self):
        ticket = self.ticket.with_env(self.env)
        signature = '<div><br><div data-o-mail-quote="1">-- <br>Agent Lan</div></div>'
        self.assertEqual(self._full_composer(ticket, body=signature).template_id, self.reply_template)
        # the agent's text is kept, a note is not an answer, a type without template
        typed = self._full_composer(ticket, body='<div><p>Đã kiểm tra xong</p></div>')
        self.assertFalse(typed.template_id)
        self.assertIn('Đã kiểm tra xong', typed.body)
        self.assertFalse(self._full_composer(ticket, subtype='mail.mt_note').template_id)
        other = self._create_ticket(name='Góp ý', type_id=self.env.ref('cskh_helpdesk.type_suggestion').id)
        self.assertFalse(self._full_composer(other.with_env(self.env)).template_id)

    @users('cskh_agent')
    def test_selectable_without_type(self):
        ticket = self._create_ticket(name='Hỏi giờ mở cửa', partner_id=self.customer.id)
        composer = self._full_composer(ticket.with_env(self.env))
        self.assertFalse(composer.template_id)
        composer.template_id = self.env.ref('cskh_helpdesk.mail_template_ticket_reply_question')
        self.assertIn('Nguyễn Văn An', composer.body)

    @users('cskh_manager')
    def test_manager_edits_type_template(self):
        with Form(self.type_complaint.with_env(self.env)) as form:
            form.reply_template_id = self.env.ref('cskh_helpdesk.mail_template_ticket_reply_support')
        template = self.env['mail.template'].browse(self.reply_template.id)
        template.write({'subject': 'Phản hồi khiếu nại {{ object.number }}'})
        self.assertEqual(template.subject, 'Phản hồi khiếu nại {{ object.number }}')
