import base64

from odoo.exceptions import UserError
from odoo.tests import Form, tagged, users

from .common import CskhCommon


@tagged('post_install', '-at_install', 'cskh')
class TestTicketSplit(CskhCommon):

    @users('cskh_agent')
    def test_split_keeps_attachments(self):
        ticket = self._create_ticket(partner_id=self.customer.id, name='Đổi hàng và hoàn tiền')
        kept = ticket.message_post(body="Tôi muốn đổi áo size M", message_type='comment',
                                   subtype_xmlid='mail.mt_comment', author_id=self.customer.id)
        moved = ticket.message_post(
            body="Và hoàn tiền đơn 1234", message_type='comment', subtype_xmlid='mail.mt_comment',
            author_id=self.customer.id,
            attachments=[('hoa_don.pdf', b'%PDF-1.4 hoa don')])
        attachment = moved.attachment_ids
        self.assertEqual(attachment.res_id, ticket.id)

        form = Form(self.env['cskh.ticket.split'].with_context(
            active_model='cskh.ticket', active_id=ticket.id))
        form.name = 'Hoàn tiền đơn 1234'
        form.message_ids.add(moved)
        action = form.save().action_split()
        new_ticket = self.env['cskh.ticket'].browse(action['res_id'])

        self.assertEqual(new_ticket.name, 'Hoàn tiền đơn 1234')
        self.assertEqual(new_ticket.partner_id, self.customer)
        self.assertEqual(new_ticket.team_id, ticket.team_id)
        self.assertEqual(new_ticket.company_id, ticket.company_id)
        self.assertEqual(moved.res_id, new_ticket.id)
        self.assertEqual(kept.res_id, ticket.id)
        self.assertEqual(attachment.res_id, new_ticket.id)
        self.assertEqual(base64.b64decode(attachment.datas), b'%PDF-1.4 hoa don')
        self.assertIn(moved, new_ticket.message_ids)
        self.assertIn(f'data-oe-id="{ticket.id}"', str(new_ticket.message_ids[0].body))
        self.assertIn(f'data-oe-id="{new_ticket.id}"', str(ticket.message_ids[0].body))

    @users('cskh_agent')
    def test_split_refuses_messages_of_another_ticket(self):
        ticket = self._create_ticket(partner_id=self.customer.id)
        other = self._create_ticket(partner_id=self.customer.id)
        message = other.message_post(body="Câu hỏi khác", message_type='comment')
        wizard = self.env['cskh.ticket.split'].create({
            'ticket_id': ticket.id, 'name': 'Tách', 'message_ids': [(6, 0, message.ids)]})
        with self.assertRaisesRegex(UserError, "of this ticket"):
            wizard.action_split()
        self.assertEqual(message.res_id, other.id)
