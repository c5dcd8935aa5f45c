from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import Form, tagged, users

from .common import CskhSlaCommon


@tagged('post_install', '-at_install', 'cskh')
class TestTicketMerge(CskhSlaCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tag_vip = cls.env['cskh.tag'].create({'name': 'Khách quen'})
        cls.tag_invoice = cls.env['cskh.tag'].create({'name': 'Hóa đơn'})
        cls.other_customer = cls.env['res.partner'].create({'name': 'Trần Thị Bình', 'email': 'binh@example.vn'})

    def _merge_form(self, tickets):
        return Form(self.env['cskh.ticket.merge'].with_context(
            active_model='cskh.ticket', active_ids=tickets.ids))

    @users('cskh_agent')
    def test_merge_moves_conversation(self):
        Ticket = self.env['cskh.ticket']
        target = Ticket.create({'name': 'Không đăng nhập được', 'team_id': self.team.id,
                                'partner_id': self.customer.id, 'tag_ids': [Command.set(self.tag_vip.ids)]})
        # the same customer writing again from their address, without a contact on the ticket
        source = Ticket.create({'name': 'Vẫn chưa đăng nhập được', 'team_id': self.team.id,
                                'partner_email': '"An" <AN.NGUYEN@example.vn>',
                                'tag_ids': [Command.set(self.tag_invoice.ids)]})
        source.partner_id = False
        source.partner_email = 'AN.NGUYEN@example.vn'
        message = source.message_post(body="Ảnh chụp màn hình", message_type='comment',
                                      subtype_xmlid='mail.mt_note')
        attachment = self.env['ir.attachment'].create({
            'name': 'loi.png', 'raw': b'PNG', 'res_model': 'cskh.ticket', 'res_id': source.id})
        source.message_subscribe(partner_ids=self.other_customer.ids)
        target_slas, source_slas = target.sla_status_ids, source.sla_status_ids
        self.assertTrue(target_slas and source_slas)

        form = self._merge_form(source | target)
        self.assertEqual(form.target_id, target, "the oldest ticket by default")
        self.assertFalse(form.is_different_customers)
        with self.mock_mail_gateway():
            action = form.save().action_merge()
            self.env.flush_all()
        self.assertEqual(action['res_id'], target.id)

        self.assertEqual(message.res_id, target.id)
        self.assertEqual(attachment.res_id, target.id)
        self.assertIn(self.other_customer, target.message_partner_ids)
        self.assertEqual(target.tag_ids, self.tag_vip | self.tag_invoice)
        self.assertEqual(target.sla_status_ids, target_slas, "the target keeps its own SLA lines")
        self.assertEqual(source.sla_status_ids, source_slas, "the source's SLA lines stay on it")
        self.assertEqual(source.stage_id, self.stage_cancel)
        self.assertEqual(source.merged_into_id, target)
        self.assertFalse(target.merged_into_id)
        self.assertIn(f'data-oe-id="{target.id}"', str(source.message_ids[0].body))
        self.assertIn(f'data-oe-id="{source.id}"', str(target.message_ids[0].body))
        self.assertEqual(target.message_ids[0].subtype_id, self.env.ref('mail.mt_note'))
        self.assertFalse(self._new_mails.filtered(
            lambda mail: self.customer in mail.recipient_ids or 'an.nguyen' in (mail.email_to or '').lower()),
            "the customer gets no email about the merge")
        self.assertFalse(source.survey_response_ids)

    @users('cskh_agent')
    def test_merge_chosen_target(self):
        first = self._create_ticket(partner_id=self.customer.id)
        second = self._create_ticket(partner_id=self.customer.id)
        third = self._create_ticket(partner_id=self.customer.id)
        form = self._merge_form(first | second | third)
        form.target_id = third
        form.save().action_merge()
        self.assertEqual((first | second).merged_into_id, third)
        self.assertEqual((first | second).stage_id, self.stage_cancel)
        self.assertEqual(third.stage_id, self.stage_new)

    @users('cskh_agent')
    def test_merge_refused_single_ticket(self):
        ticket = self._create_ticket(partner_id=self.customer.id)
        wizard = self._merge_form(ticket).save()
        with self.assertRaisesRegex(UserError, "into itself"):
            wizard.action_merge()
        self.assertFalse(ticket.merged_into_id)

    def test_merge_refused_across_companies(self):
        ticket = self._create_ticket(partner_id=self.customer.id)
        other = self.env['cskh.ticket'].create({
            'name': 'Hỏi giá', 'team_id': self.team_c2.id, 'partner_id': self.customer.id})
        wizard = self._merge_form(ticket | other).save()
        with self.assertRaisesRegex(UserError, "different companies"):
            wizard.action_merge()
        self.assertFalse(other.merged_into_id)

    @users('cskh_agent')
    def test_merge_refused_other_customer_for_agent(self):
        ticket = self._create_ticket(partner_id=self.customer.id)
        other = self._create_ticket(partner_id=self.other_customer.id)
        form = self._merge_form(ticket | other)
        self.assertTrue(form.is_different_customers)
        wizard = form.save()
        wizard.confirm_different_customers = True  # not in the agent's view
        with self.assertRaisesRegex(UserError, "different customers"):
            wizard.action_merge()
        self.assertFalse(other.merged_into_id)

    @users('cskh_manager')
    def test_merge_other_customer_confirmed_by_manager(self):
        ticket = self._create_ticket(partner_id=self.customer.id)
        other = self._create_ticket(partner_id=self.other_customer.id)
        form = self._merge_form(ticket | other)
        wizard = form.save()
        with self.assertRaisesRegex(UserError, "different customers"):
            wizard.action_merge()
        form.confirm_different_customers = True
        form.save().action_merge()
        self.assertEqual(other.merged_into_id, ticket)
