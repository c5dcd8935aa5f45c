"""What a mail can do to a ticket, depending on what proves where it comes from.

Raw emails go through the gateway (``format_and_process``) as fetchmail and the
mailgate script would hand them over, From headers forged as an attacker would.
"""
import base64

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CskhMailCommon, CskhMailTrustCommon

# a mail whose Content-Type is given whole (mislabelled charsets, broken multiparts), with
# the CRLF line ends of the wire
MAIL_TEMPLATE_CONTENT_TYPE = (
    'From: {email_from}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-Id: {msg_id}\r\n'
    'MIME-Version: 1.0\r\nContent-Type: {content_type}\r\n\r\n{body}')


@tagged('post_install', '-at_install', 'cskh')
class TestMailThreadingTrust(CskhMailTrustCommon):
    """The ticket number in a subject is a hint: it threads the customer's own mail,
    without the rights that only a reply to our emails (its headers) gives."""

    def test_forged_customer_number_only_closed_ticket(self):
        """From = the customer, no reply headers, on a closed ticket: the mail is kept on the
        ticket but neither reopens it nor lets the people in copy follow it."""
        self.ticket.stage_id = self.stage_solved
        subject = f'Re: [{self.ticket.number}] mở lại giúp tôi'
        created = self._send(self.customer.email, subject, cc=f'Kẻ gian <{self.attacker_email}>')
        self.assertFalse(created, "threaded on the ticket, no new ticket")
        incoming = self._incoming(self.ticket, subject)
        self.assertEqual(len(incoming), 1)
        self.assertEqual(incoming.author_id, self.customer)
        self.assertEqual(self.ticket.stage_id, self.stage_solved, "not reopened automatically")
        self.assertEqual(self.ticket.reopen_count, 0)
        # the assignee decides: a note and an activity
        self.assertTrue(self.ticket.message_ids.filtered(
            lambda m: m.subtype_id == self.env.ref('mail.mt_note') and 'subject' in str(m.body)))
        activity = self._reply_activities(self.ticket)
        self.assertEqual(activity.user_id, self.user_agent)
        # the address in copy gets nothing: no follower, no Cc kept, no suggested recipient
        self.assertNotIn(self.attacker_email, self.ticket.message_partner_ids.mapped('email_normalized'))
        self.assertNotIn(self.attacker_email, self.ticket.email_cc or '')
        self.assertNotIn(self.attacker_email, incoming.incoming_email_cc or '')
        suggested = self.ticket._message_get_suggested_recipients(reply_discussion=True)
        self.assertNotIn(self.attacker_email, [recipient['email'] for recipient in suggested])
        # a second such mail adds no second activity
        self._send(self.customer.email, f'Re: [{self.ticket.number}] lần nữa')
        self.assertEqual(len(self._reply_activities(self.ticket)), 1)

    def test_number_only_closed_unassigned_ticket_asks_team_leader(self):
        self.ticket.write({'stage_id': self.stage_solved.id, 'user_id': False})
        self._send(self.customer.email, f'[{self.ticket.number}] còn lỗi')
        self.assertEqual(self.ticket.stage_id, self.stage_solved)
        self.assertEqual(self._reply_activities(self.ticket).user_id, self.user_manager)

    def test_forged_agent_cannot_thread_by_number(self):
        """From = the assigned agent, no reply headers: not attached to the ticket (it would
        post as the agent and stamp the first response)."""
        subject = f'Re: [{self.ticket.number}] đã xử lý xong'
        created = self._send(self.user_agent.email_formatted, subject)
        self.assertFalse(self._incoming(self.ticket, subject))
        self.assertFalse(self.ticket.date_first_response)
        self.assertEqual(self.ticket.agent_reply_count, 0)
        self.assertEqual(len(created), 1, "handled as any mail without a thread: a new ticket")
        self.assertNotEqual(created, self.ticket)

    def test_forged_follower_cannot_thread_by_number(self):
        subject = f'Re: [{self.ticket.number}] cho tôi theo dõi'
        created = self._send(self.colleague.email, subject, cc=self.attacker_email)
        self.assertFalse(self._incoming(self.ticket, subject))
        self.assertNotIn(self.attacker_email, self.ticket.message_partner_ids.mapped('email_normalized'))
        self.assertEqual(len(created), 1)
        self.assertEqual(created.partner_id, self.colleague)

    def test_several_numbers_thread_by_none(self):
        other = self._create_ticket(partner_id=self.customer.id)
        subject = f'[{self.ticket.number}] và [{other.number}]'
        created = self._send(self.customer.email, subject)
        self.assertEqual(len(created), 1, "a subject naming two tickets names none")
        self.assertFalse(self._incoming(self.ticket, subject) | self._incoming(other, subject))
        # the same number twice, or a bracketed word that is no ticket number, is still one ticket
        subject = f'[EXT] Re: [{self.ticket.number}] Fwd: [{self.ticket.number}] ảnh chụp'
        self.assertFalse(self._send(self.customer.email, subject))
        self.assertTrue(self._incoming(self.ticket, subject))

    def test_cc_of_number_only_match_not_subscribed(self):
        subject = f'Re: [{self.ticket.number}] thêm thông tin'
        self._send(self.customer.email, subject, cc=f'Kẻ gian <{self.attacker_email}>, {self.colleague.email}')
        self.assertTrue(self._incoming(self.ticket, subject))
        self.assertNotIn(self.attacker_email, self.ticket.message_partner_ids.mapped('email_normalized'))
        self.assertFalse(self.ticket.email_cc)

    def test_internal_customer_number_only_is_no_agent_reply(self):
        """A ticket whose customer is an employee: their mail threads by number (they are
        the customer) but is never counted as an agent's answer."""
        ticket = self._create_ticket(partner_id=self.user_employee_plain.partner_id.id)
        subject = f'Re: [{ticket.number}] máy in hỏng'
        self._send(self.user_employee_plain.email, subject)
        self.assertTrue(self._incoming(ticket, subject))
        self.assertFalse(ticket.date_first_response)
        self.assertEqual(ticket.agent_reply_count, 0)

    def test_reply_by_headers_keeps_its_rights(self):
        """A reply to our email (In-Reply-To) reopens, subscribes the people in copy and,
        from an agent, counts as an answer, as before."""
        self.ticket.stage_id = self.stage_solved
        subject = 'Re: Chào anh'
        self._send(self.customer.email, subject, cc=self.colleague.email.replace('dong', 'ban'),
                   headers={'In-Reply-To': self.answer.message_id})
        self.assertTrue(self._incoming(self.ticket, subject))
        self.assertEqual(self.ticket.stage_id, self.stage_new, "reopened")
        self.assertIn('ban.nghiep@example.vn', self.ticket.message_partner_ids.mapped('email_normalized'))
        self.assertFalse(self._reply_activities(self.ticket))
        # the agent answers by email, replying to the customer's mail
        customer_mail = self._incoming(self.ticket, subject)
        self._send(self.user_agent.email, 'Re: Re: Chào anh', headers={'References': customer_mail.message_id})
        self.assertTrue(self._incoming(self.ticket, 'Re: Re: Chào anh'))
        self.assertEqual(self.ticket.agent_reply_count, 1)
        self.assertTrue(self.ticket.date_first_response)

    def test_crowd_in_copy_is_not_subscribed(self):
        """A mail with more than 10 addresses in copy subscribes none of them, new ticket or
        reply to our emails: the agents' answers would go to the whole crowd (a mailing list,
        or a sender using the helpdesk to mail strangers). The Cc stays on the ticket."""
        crowd = ', '.join(f'nguoi{index}@crowd.example' for index in range(11))
        created = self._send(self.attacker_email, 'Khuyến mãi lớn', cc=crowd)
        self.assertEqual(len(created), 1)
        self.assertFalse(created.message_partner_ids.filtered(lambda p: 'crowd.example' in p.email))
        self.assertIn('nguoi10@crowd.example', created.email_cc)
        self._send(self.customer.email, 'Re: Chào anh', cc=crowd, headers={'In-Reply-To': self.answer.message_id})
        self.assertTrue(self._incoming(self.ticket, 'Re: Chào anh'))
        self.assertFalse(self.ticket.message_partner_ids.filtered(lambda p: 'crowd.example' in p.email))
        # ten are colleagues in copy: they follow (the same address twice counts once)
        team = ', '.join(f'nguoi{index}@crowd.example' for index in range(10))
        self._send(self.customer.email, 'Re: Chào anh lần nữa', cc=f'{team}, NGUOI0@crowd.example',
                   headers={'In-Reply-To': self.answer.message_id})
        self.assertEqual(len(self.ticket.message_partner_ids.filtered(lambda p: 'crowd.example' in p.email)), 10)

    def test_references_to_another_document_prove_nothing(self):
        """Headers prove the thread they reply to only: a reply to a mail of another document
        (here the customer's contact), sent to the alias with the ticket number in its subject,
        threads by number, with no more rights than a mail without headers."""
        with self.mock_mail_gateway():
            foreign = self.customer.message_post(
                body='Khác', message_type='comment', subtype_xmlid='mail.mt_comment')
        self.ticket.stage_id = self.stage_solved
        subject = f'Re: [{self.ticket.number}] lẫn lộn'
        self._send(self.customer.email, subject, cc=self.attacker_email,
                   headers={'In-Reply-To': foreign.message_id})
        self.assertTrue(self._incoming(self.ticket, subject))
        self.assertEqual(self.ticket.stage_id, self.stage_solved)
        self.assertNotIn(self.attacker_email, self.ticket.message_partner_ids.mapped('email_normalized'))


@tagged('post_install', '-at_install', 'cskh')
class TestMailAutomaticNotes(CskhMailTrustCommon):
    """Mails sent by machines are kept as notes: nobody is notified, nobody in copy follows."""

    def setUp(self):
        super().setUp()
        # the team leader follows the team's new tickets
        self.team.message_subscribe(partner_ids=self.user_manager.partner_id.ids)

    def test_automatic_mail_creating_ticket(self):
        subject = 'Bản tin tháng 3'
        ticket = self._send('Bản tin <news@shop.example>', subject, cc=self.attacker_email,
                            headers={'Precedence': 'bulk', 'List-Id': '<news.shop.example>'})
        self.assertEqual(len(ticket), 1)
        self.assertIn(self.user_manager.partner_id, ticket.message_partner_ids)
        incoming = self._incoming(ticket, subject)
        self.assertEqual(incoming.subtype_id, self.env.ref('mail.mt_note'))
        self.assertTrue(incoming.is_internal)
        self.assertFalse(incoming.notification_ids, "nobody notified")
        self.assertNotIn(self.attacker_email, ticket.message_partner_ids.mapped('email_normalized'))
        self.assertFalse(ticket.email_cc)
        # a human's mail, for comparison, notifies the followers of new tickets
        human = self._send('Khách <khach@example.vn>', 'Người thật')
        self.assertIn(self.user_manager.partner_id,
                      self._incoming(human, 'Người thật').notification_ids.res_partner_id)

    def test_automatic_reply_threading_into_ticket(self):
        subject = 'Auto: Chào anh'
        self._send(self.customer.email, subject, cc=self.attacker_email,
                   headers={'In-Reply-To': self.answer.message_id, 'Auto-Submitted': 'auto-replied'})
        incoming = self._incoming(self.ticket, subject)
        self.assertEqual(len(incoming), 1)
        self.assertEqual(incoming.subtype_id, self.env.ref('mail.mt_note'))
        self.assertTrue(incoming.is_internal)
        self.assertFalse(incoming.notification_ids, "neither the assignee nor the followers are notified")
        self.assertNotIn(self.attacker_email, self.ticket.message_partner_ids.mapped('email_normalized'))
        self.assertFalse(self.ticket.email_cc)


@tagged('post_install', '-at_install', 'cskh')
class TestMailParsingScope(CskhMailCommon):
    """The add-on reads broken or mislabelled mail leniently for tickets only: the text body
    of mails routed to tickets, never attachments, never other apps' mail."""

    def _raw(self, content_type, body, subject, to=None):
        """A mail of ``content_type`` from a customer, with ``body`` as it is on the wire."""
        return self.format(
            MAIL_TEMPLATE_CONTENT_TYPE, email_from='khach@example.vn', to=to or self.alias_email, subject=subject,
            msg_id=f'<{subject.replace(" ", "-")}@example.vn>', content_type=content_type, body=body)

    def _mislabelled_with_xml(self, subject, to=None):
        """UTF-8 text declared us-ascii, with an e-invoice XML attachment declared us-ascii too."""
        xml = base64.b64encode('<Invoice>Chaussée de Bruxelles</Invoice>'.encode()).decode()
        body = (
            '--B\r\nContent-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'
            'Tôi gửi hóa đơn điện tử.\r\n'
            '--B\r\nContent-Type: text/xml; charset="us-ascii"; name="hoa-don.xml"\r\n'
            'Content-Disposition: attachment; filename="hoa-don.xml"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
            f'{xml}\r\n--B--\r\n')
        return self._raw('multipart/mixed; boundary="B"', body, subject, to=to)

    def test_binary_part_with_broken_header_is_no_body(self):
        """A PDF whose MIME header is broken stays an attachment; its bytes never become the
        ticket's description."""
        # binary bytes (not UTF-8) and a header line without a colon: raw bytes, no template
        raw = (
            b'From: khach@example.vn\r\nTo: ' + self.alias_email.encode() + b'\r\n'
            b'Subject: Hoa don PDF\r\nMessage-Id: <Hoa-don-PDF@example.vn>\r\nMIME-Version: 1.0\r\n'
            b'Content-Type: application/pdf; name="hoa-don.pdf"\r\n'
            b'Content-Disposition: attachment; filename="hoa-don.pdf"\r\nBroken header line\r\n'
            b'\r\n%PDF-1.4\n\x00\x01\x02\xff binary\n%%EOF\n')
        ticket = self._process(raw)
        self.assertTrue(ticket)
        self.assertNotIn('PDF', ticket.description or '')
        self.assertNotIn('PDF', str(ticket.message_ids.filtered(lambda m: m.message_type == 'email').body))

    def test_xml_attachment_declared_us_ascii_untouched(self):
        """The text of the mail is read as the UTF-8 it is; the XML attachment keeps the
        bytes Odoo gives every app (its declared charset, invalid bytes replaced)."""
        ticket = self._process(self._mislabelled_with_xml('Hoa don XML'))
        self.assertIn('Tôi gửi hóa đơn điện tử.', ticket.description)
        attachment = ticket.message_ids.attachment_ids
        self.assertEqual(attachment.name, 'hoa-don.xml')
        self.assertEqual(attachment.raw.decode(), '<Invoice>Chauss\ufffd\ufffde de Bruxelles</Invoice>')

    def test_other_apps_mail_parsed_as_core_does(self):
        """Mail for another model (here leads) gets Odoo's own parsing: no relabelling, no
        raw-text fallback, and a charset Python does not know still fails the mail."""
        crm_to = 'sales@elsewhere.example'
        with self.mock_mail_gateway():
            self.env['mail.thread'].message_process('crm.lead', self._mislabelled_with_xml('Lead XML', to=crm_to))
        lead = self.env['crm.lead'].search([('name', '=', 'Lead XML')])
        body = str(lead.message_ids.filtered(lambda m: m.message_type == 'email').body)
        self.assertNotIn('Tôi gửi', body)
        self.assertIn('\ufffd', body)
        self.assertEqual(lead.message_ids.attachment_ids.raw.decode(),
                         '<Invoice>Chauss\ufffd\ufffde de Bruxelles</Invoice>')
        broken = self._raw('multipart/mixed; boundary="NOPE"',
                           '--WRONG\r\nContent-Type: text/plain\r\n\r\nNoi dung\r\n--WRONG--\r\n',
                           'Lead broken', to=crm_to)
        with self.mock_mail_gateway():
            self.env['mail.thread'].message_process('crm.lead', broken)
        lead = self.env['crm.lead'].search([('name', '=', 'Lead broken')])
        self.assertNotIn('Noi dung', str(lead.message_ids.mapped('body')))
        unknown = self._raw('text/plain; charset="x-unknown-charset"', 'Đổi trả', 'Lead charset', to=crm_to)
        with self.mock_mail_gateway(), self.assertRaises(LookupError):
            self.env['mail.thread'].message_process('crm.lead', unknown)
        # the same mail to the helpdesk alias becomes a ticket
        ticket = self._process(self._raw('text/plain; charset="x-unknown-charset"', 'Đổi trả',
                                         'Ticket charset'))
        self.assertIn('Đổi trả', ticket.description)

    @mute_logger('odoo.addons.cskh_helpdesk.models.mail_thread')
    def test_mail_nested_beyond_the_parser_only_for_tickets(self):
        """MIME parts nested 1,500 levels deep stop Python's parser before Odoo routes the
        mail: to the helpdesk it becomes a ticket with its raw text, to another app it
        fails as it does without the add-on."""
        def nested(subject, to=None):
            opening = ''.join(f'--b{level}\r\nContent-Type: multipart/mixed; boundary="b{level + 1}"\r\n\r\n'
                              for level in range(1500))
            closing = ''.join(f'--b{level}--\r\n' for level in reversed(range(1501)))
            return self._raw('multipart/mixed; boundary="b0"',
                             f'{opening}--b1500\r\nContent-Type: text/plain\r\n\r\nNoi dung sau\r\n{closing}',
                             subject, to=to)
        with self.mock_mail_gateway(), self.assertRaises(RecursionError):
            self.env['mail.thread'].message_process('crm.lead', nested('Lead nested', to='sales@elsewhere.example'))
        self.assertFalse(self.env['crm.lead'].search([('name', '=', 'Lead nested')]))
        ticket = self._process(nested('Ticket nested'))
        self.assertEqual(ticket.name, 'Ticket nested')
        self.assertEqual(ticket.partner_email, 'khach@example.vn')
        self.assertIn('Noi dung sau', ticket.description)
        self.assertIn('Noi dung sau', str(ticket.message_ids.filtered(lambda m: m.message_type == 'email').body))

    def test_raw_text_fallback_capped(self):
        """The text of a multipart whose boundaries are wrong is kept, up to 256 kB."""
        text = 'Dòng nội dung. ' * 30000
        self.assertGreater(len(text.encode()), 400 * 1024)
        raw = self._raw('multipart/mixed; boundary="NOPE"',
                        f'--WRONG\r\nContent-Type: text/plain\r\n\r\n{text}\r\n--WRONG--\r\n', 'Broken big')
        ticket = self._process(raw)
        self.assertIn('Dòng nội dung.', ticket.description)
        self.assertLess(len(ticket.description.encode()), 300 * 1024)
