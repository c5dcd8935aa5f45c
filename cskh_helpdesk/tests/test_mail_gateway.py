import base64
from email.header import Header
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, make_msgid

from odoo.fields import Command
from odoo.tests import tagged, users
from odoo.tools import mute_logger

from odoo.addons.cskh_helpdesk.models.cskh_auto_reply import normalize_text

from .common import (
    MAIL_TEMPLATE_ATTACHMENT, MAIL_TEMPLATE_BASE64, MAIL_TEMPLATE_HTML, MAIL_TEMPLATE_HTML_ATTACHMENT,
    CskhMailCommon, freeze,
)


@tagged('post_install', '-at_install', 'cskh')
class TestMailGateway(CskhMailCommon):

    def test_new_ticket_from_email(self):
        raw = self._mail(
            MAIL_TEMPLATE_ATTACHMENT, cc='Lê Văn Cường <cuong.le@example.vn>, hotro2@other.example',
            attachment_name='hoa-don.pdf', attachment_type='application/pdf',
            attachment_base64=base64.b64encode(b'%PDF-1.4 invoice').decode())
        ticket = self._process(raw)
        self.assertTrue(ticket)
        self.assertEqual(ticket.team_id, self.team)
        self.assertEqual(ticket.name, 'Không đăng nhập được')
        self.assertIn('Tôi quên mật khẩu.', ticket.description)
        self.assertEqual(ticket.channel, 'email')
        self.assertEqual(ticket.partner_email, 'binh.tran@example.vn')
        self.assertEqual(ticket.partner_id.name, 'Trần Thị Bình', "team creates customers")
        self.assertEqual(ticket.stage_id, self.stage_new)
        self.assertTrue(ticket.number)
        # the customer's email is in the chatter, with its attachment
        incoming = ticket.message_ids.filtered(lambda m: m.message_type == 'email')
        self.assertEqual(len(incoming), 1)
        self.assertEqual(incoming.author_id, ticket.partner_id)
        self.assertEqual(incoming.attachment_ids.mapped('name'), ['hoa-don.pdf'])
        # CC kept and added as followers, with the customer
        self.assertIn('cuong.le@example.vn', ticket.email_cc)
        followers = ticket.message_partner_ids
        self.assertIn(ticket.partner_id, followers)
        self.assertIn('cuong.le@example.vn', followers.mapped('email_normalized'))
        self.assertEqual(
            set((followers - ticket.partner_id - ticket.user_id.partner_id).mapped('email_normalized')),
            {'cuong.le@example.vn', 'hotro2@other.example'},
            "no one else follows: the acknowledgement does not subscribe its sender")
        # acknowledgement with the number, to the customer, as an automatic answer
        ack = self._auto_messages(ticket)
        self.assertEqual(len(ack), 1)
        self.assertIn(ticket.number, ack.subject)
        self.assertIn('24', ack.body)
        mail = self._find_mail_mail_wrecord(ticket)
        self.assertEqual(mail.recipient_ids, ticket.partner_id)
        self.assertIn("'Auto-Submitted': 'auto-replied'", mail.headers)

    def test_unknown_sender_without_partner_creation(self):
        self.team.write({'create_partner': False, 'add_cc_followers': False})
        ticket = self._process(self._mail(cc='cuong.le@example.vn'))
        self.assertFalse(ticket.partner_id)
        self.assertEqual(ticket.partner_name, 'Trần Thị Bình')
        self.assertEqual(ticket.partner_email, 'binh.tran@example.vn')
        self.assertFalse(self.env['res.partner'].search([('email_normalized', '=', 'cuong.le@example.vn')]))
        self.assertIn('cuong.le@example.vn', ticket.email_cc, "CC kept, suggested on replies")
        ack = self._auto_messages(ticket)
        self.assertEqual(len(ack), 1, "unknown senders are acknowledged too")
        self.assertFalse(ack.partner_ids, "the acknowledgement creates no contact either")
        self.assertIn('binh.tran@example.vn', ack.outgoing_email_to)
        self.assertFalse(self.env['res.partner'].search([('email_normalized', '=', 'binh.tran@example.vn')]))
        self.assertEqual(len(ack.mail_ids), 1)
        self.assertIn('binh.tran@example.vn', ack.mail_ids.email_to)

    def test_known_sender_matched(self):
        ticket = self._process(self._mail(email_from='"An" <AN.NGUYEN@example.vn>'))
        self.assertEqual(ticket.partner_id, self.customer)
        self.assertEqual(ticket.customer_tier, 'vip')

    def test_reply_threads_by_headers_and_subject(self):
        ticket = self._process(self._mail())
        # a reply to the acknowledgement, through In-Reply-To
        ack = self._auto_messages(ticket)
        reply = self._mail(subject='Re: anything', body='Cảm ơn', headers={'In-Reply-To': ack.message_id})
        self.assertEqual(self._process(reply), ticket)
        # a reply whose client dropped the headers: the number in the subject is enough
        reply = self._mail(subject=f'RE: Fwd: [{ticket.number}] Không đăng nhập được', body='Vẫn lỗi')
        self.assertEqual(self._process(reply), ticket)
        self.assertEqual(len(ticket.message_ids.filtered(lambda m: m.message_type == 'email')), 3)
        self.assertEqual(self.env['cskh.ticket'].search_count([('team_id', '=', self.team.id)]), 1)

    def test_subject_number_from_stranger_creates_ticket(self):
        ticket = self._process(self._mail())
        stranger = self._mail(subject=f'[{ticket.number}] đoán số', email_from='evil@example.com')
        other = self._process(stranger)
        self.assertNotEqual(other, ticket)
        self.assertEqual(other.partner_email, 'evil@example.com')
        self.assertFalse(ticket.message_ids.filtered(lambda m: 'evil' in (m.email_from or '')))

    def test_reply_to_deleted_ticket_creates_ticket(self):
        ticket = self._process(self._mail())
        msg_id = ticket.message_ids.filtered(lambda m: m.message_type == 'email').message_id
        ticket.unlink()
        with mute_logger('odoo.addons.mail.models.mail_thread'):
            new = self._process(self._mail(subject='Re: lỗi', headers={'In-Reply-To': msg_id}))
        self.assertTrue(new.exists())
        self.assertEqual(new.team_id, self.team, "team found from the alias the reply went to")

    def test_reopen_and_resume_on_customer_reply(self):
        ticket = self._process(self._mail())
        ack = self._auto_messages(ticket)
        ticket.stage_id = self.stage_solved
        self.flush_tracking()
        self._process(self._mail(subject='Re: x', body='Vẫn chưa được', headers={'In-Reply-To': ack.message_id}))
        self.assertEqual(ticket.stage_id, self.stage_new, "reopened in the first open stage")
        self.assertTrue(ticket.message_ids.filtered(lambda m: 'Reopened' in str(m.body)))
        ticket.stage_id = self.stage_waiting
        # a waiting ticket resumes even when the customer's client dropped the reply headers
        self._process(self._mail(subject=f'Re: [{ticket.number}] x', body='Đây là ảnh chụp'))
        self.assertEqual(ticket.stage_id, self.stage_progress, "waiting ticket back in progress")
        # team options off: the reply does not move the ticket
        self.team.write({'reopen_on_reply': False, 'resume_on_reply': False})
        ticket.stage_id = self.stage_solved
        self._process(self._mail(subject='Re: y', body='Cảm ơn', headers={'In-Reply-To': ack.message_id}))
        self.assertEqual(ticket.stage_id, self.stage_solved)

    def test_agent_reply_by_email_does_not_reopen(self):
        ticket = self._process(self._mail())
        ticket.stage_id = self.stage_solved
        self._process(self._mail(
            subject=f'Re: [{ticket.number}] x', email_from=self.user_agent.email_formatted,
            headers={'In-Reply-To': ticket.message_ids[-1].message_id}))
        self.assertEqual(ticket.stage_id, self.stage_solved)

    def test_first_response_is_first_public_agent_answer(self):
        ticket = self._process(self._mail())
        self.assertFalse(ticket.date_first_response, "the acknowledgement is not an answer")
        ticket.with_user(self.user_agent).message_post(body='Ghi chú nội bộ', subtype_xmlid='mail.mt_note',
                                                      message_type='comment')
        self.assertFalse(ticket.date_first_response, "an internal note is not an answer")
        with freeze('2026-03-02 10:00:00'):
            ticket.with_user(self.user_agent).message_post(
                body='Chào chị, anh đã đặt lại mật khẩu.', subtype_xmlid='mail.mt_comment', message_type='comment')
        self.assertEqual(str(ticket.date_first_response), '2026-03-02 10:00:00')
        with freeze('2026-03-03 10:00:00'):
            ticket.with_user(self.user_agent_2).message_post(body='Còn gì nữa không?', message_type='comment',
                                                            subtype_xmlid='mail.mt_comment')
        self.assertEqual(str(ticket.date_first_response), '2026-03-02 10:00:00', "only the first one")
        # a customer reply does not count either
        other = self._process(self._mail(subject='Câu hỏi khác', email_from='khach@example.vn'))
        self._process(self._mail(subject=f'Re: [{other.number}]', email_from='khach@example.vn'))
        self.assertFalse(other.date_first_response)

    def test_stage_template_sent_once_per_stage_entry(self):
        template = self.ack_template.copy({'name': 'Đã xử lý', 'subject': 'Solved {{ object.number }}'})
        self.stage_solved.mail_template_id = template
        ticket = self._process(self._mail())
        with self.mock_mail_gateway():
            ticket.stage_id = self.stage_solved
            self.flush_tracking()
        sent = self._auto_messages(ticket).filtered(lambda m: m.subject.startswith('Solved'))
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent.partner_ids, ticket.partner_id)
        with self.mock_mail_gateway():
            ticket.priority = '2'
            self.flush_tracking()
        self.assertEqual(len(self._auto_messages(ticket).filtered(lambda m: m.subject.startswith('Solved'))), 1,
                         "sent once per entry in the stage")


@tagged('post_install', '-at_install', 'cskh')
class TestMailLoops(CskhMailCommon):

    def _assert_no_auto_answer(self, raw, reason):
        ticket = self._process(raw)
        self.assertTrue(ticket, f"{reason}: the mail is kept")
        self.assertFalse(self._auto_messages(ticket), f"{reason}: no automatic answer")
        return ticket

    def test_no_answer_to_automatic_mail(self):
        cases = {
            'auto-submitted': {'Auto-Submitted': 'auto-replied'},
            'auto-generated': {'Auto-Submitted': 'auto-generated'},
            'precedence bulk': {'Precedence': 'bulk'},
            'precedence junk': {'Precedence': 'junk'},
            'precedence list': {'Precedence': 'list'},
            'list-id': {'List-Id': '<news.example.vn>'},
            'x-autoreply': {'X-Autoreply': 'yes'},
            'x-autorespond': {'X-Autorespond': 'yes'},
        }
        for index, (reason, headers) in enumerate(cases.items()):
            with self.subTest(reason=reason):
                self._assert_no_auto_answer(
                    self._mail(subject=f'Tự động {index}', headers=headers,
                                email_from=f'robot{index}@example.vn'), reason)
        self._assert_no_auto_answer(self._mail(email_from='postmaster@example.vn'), 'postmaster')
        self._assert_no_auto_answer(self._mail(email_from=self.team_private.alias_email), 'own alias')
        # Auto-Submitted: no is a human
        ticket = self._process(self._mail(headers={'Auto-Submitted': 'no'}))
        self.assertEqual(len(self._auto_messages(ticket)), 1)

    def test_automatic_reply_does_not_reopen(self):
        ticket = self._process(self._mail())
        ticket.stage_id = self.stage_solved
        self._process(self._mail(subject=f'Auto: [{ticket.number}] out of office',
                                  headers={'Auto-Submitted': 'auto-replied'}))
        self.assertEqual(ticket.stage_id, self.stage_solved)

    def test_bounce_is_not_a_ticket(self):
        ticket = self._process(self._mail())
        bounce = self._mail(
            subject='Undelivered Mail Returned to Sender', email_from='MAILER-DAEMON <mailer-daemon@example.vn>',
            body='Delivery failed')
        count = self.env['cskh.ticket'].search_count([])
        self._process(bounce)
        self.assertEqual(self.env['cskh.ticket'].search_count([]), count)
        self.assertEqual(len(self._auto_messages(ticket)), 1)

    def test_rate_limit_per_sender(self):
        self.team.auto_reply_limit = 2
        tickets = self.env['cskh.ticket']
        with freeze('2026-03-02 09:00:00'):
            for index in range(4):
                tickets |= self._process(self._mail(subject=f'Lần {index}'))
        self.assertEqual(len(tickets), 4, "every mail becomes a ticket")
        self.assertEqual(len(self._auto_messages(tickets)), 2, "but only 2 answers in the hour")
        with freeze('2026-03-02 10:30:00'):
            later = self._process(self._mail(subject='Một tiếng sau'))
        self.assertEqual(len(self._auto_messages(later)), 1)
        # another sender is not limited by the first one
        with freeze('2026-03-02 09:10:00'):
            other = self._process(self._mail(subject='Khác', email_from='khac@example.vn'))
        self.assertEqual(len(self._auto_messages(other)), 1)

    def test_odoo_loop_detection_still_works(self):
        self.env['ir.config_parameter'].sudo().set_param('mail.gateway.loop.threshold', 3)
        for index in range(5):
            self._process(self._mail(subject=f'Loop {index}', email_from='loop@example.vn'))
        self.assertEqual(self.env['cskh.ticket'].search_count([('partner_email', '=', 'loop@example.vn')]), 3)


@tagged('post_install', '-at_install', 'cskh')
class TestMailBadInput(CskhMailCommon):

    def test_no_subject_no_body_no_name(self):
        # no Subject header and no body at all: a shape the templates cannot produce
        raw = (
            f'From: khong.ten@example.vn\r\nTo: {self.alias_email}\r\n'
            f'Message-Id: {make_msgid(domain="client.example.vn")}\r\nDate: Mon, 02 Mar 2026 09:00:00 +0700\r\n\r\n')
        ticket = self._process(raw)
        self.assertEqual(ticket.name, 'No Subject')
        self.assertEqual(ticket.partner_email, 'khong.ten@example.vn')
        self.assertTrue(ticket.partner_id)

    def _raw_mixed(self, headers, parts):
        """A raw multipart/mixed mail to the team's alias: ``headers`` (its From and Subject
        lines, as sent), then ``parts`` (each its header lines, a blank line and its body)."""
        return (
            f'{headers}To: {self.alias_email}\r\nMessage-Id: {make_msgid(domain="client.example.vn")}\r\n'
            'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="mixed"\r\n\r\n'
            + ''.join(f'--mixed\r\n{part}\r\n' for part in parts) + '--mixed--\r\n').encode()

    def test_nul_characters_in_headers_and_attachment_names(self):
        """PostgreSQL stores no NUL character: one hidden in an encoded-word of the Subject,
        of the sender's name or of an attachment's name (broken mailers, spam) would stop the
        ticket's creation, then the bounce the gateway sends about it. They are dropped."""
        ticket = self._process(self._raw_mixed(
            'From: =?utf-8?q?Tr=E1=BA=A7n=00_B=C3=ACnh?= <binh.nul@example.vn>\r\n'
            'Subject: =?utf-8?q?L=E1=BB=97i=00_=C4=91=C4=83ng_nh=E1=BA=ADp?=\r\n', [
                'Content-Type: text/plain; charset=utf-8\r\n\r\nTôi quên mật khẩu.',
                'Content-Type: text/plain; name="=?utf-8?q?log=00.txt?="\r\n'
                'Content-Disposition: attachment; filename="=?utf-8?q?log=00.txt?="\r\n\r\nerror 42',
            ]))
        self.assertEqual(ticket.name, 'Lỗi đăng nhập')
        self.assertEqual(ticket.partner_id.name, 'Trần Bình')
        self.assertEqual(ticket.partner_email, 'binh.nul@example.vn')
        message = ticket.message_ids.filtered(lambda m: m.message_type == 'email')
        self.assertEqual(message.subject, 'Lỗi đăng nhập')
        self.assertIn('quên mật khẩu', message.body)
        self.assertEqual(message.attachment_ids.mapped('name'), ['log.txt'])
        self.assertEqual(message.attachment_ids.raw, b'error 42')
        # line breaks and tabs in the subject: the ticket's name is one line
        ticket = self._process(self._mail(subject='=?utf-8?q?L=E1=BB=97i=0D=0ABcc:_x@example.vn=09g=E1=BA=A5p?=',
                                          email_from='crlf@example.vn'))
        self.assertEqual(ticket.name, 'Lỗi Bcc: x@example.vn gấp')

    @mute_logger('odoo.addons.cskh_helpdesk.models.mail_thread')
    def test_forwards_nested_hundreds_of_levels(self):
        """Forwards of forwards are kept as one attachment, serialized recursively by Python:
        nested 300 levels deep (a crafted mail), they are cut at 50 and the ticket is made."""
        forward = 'From: goc@example.vn\r\nSubject: Thư gốc\r\n\r\nNội dung gốc'
        for level in range(300):
            forward = (f'From: chuyen{level}@example.vn\r\nSubject: Fwd {level}\r\n'
                       f'Content-Type: message/rfc822\r\n\r\n{forward}')
        ticket = self._process(self._raw_mixed('From: binh.fwd@example.vn\r\nSubject: Chuyển tiếp\r\n', [
            'Content-Type: text/plain; charset=utf-8\r\n\r\nXem thư chuyển tiếp.',
            f'Content-Type: message/rfc822\r\n\r\n{forward}',
        ]))
        self.assertEqual(ticket.name, 'Chuyển tiếp')
        message = ticket.message_ids.filtered(lambda m: m.message_type == 'email')
        self.assertIn('Xem thư chuyển tiếp', message.body)
        attached = message.attachment_ids.filtered(lambda a: b'Fwd 299' in a.raw)
        self.assertEqual(len(attached), 1, "the forwards are kept, down to the cut")
        self.assertIn(b'Fwd 250', attached.raw)
        self.assertNotIn(b'Fwd 248', attached.raw)
        self.assertIn(base64.b64encode(b'[Cut by the hel'), attached.raw, "the cut says so")

    def test_rfc2047_vietnamese_subject_and_quoted_printable(self):
        # encoded-word headers and a quoted-printable body, built by the email package
        message = MIMEMultipart('alternative')
        part = MIMEText('Xin chào, tôi không nhận được hóa đơn điện tử.', 'plain', 'utf-8')
        del part['Content-Transfer-Encoding']
        part['Content-Transfer-Encoding'] = 'quoted-printable'
        part.set_payload('Xin ch=C3=A0o, t=C3=B4i kh=C3=B4ng nh=E1=BA=ADn =C4=91=C6=B0=E1=BB=A3c h=C3=B3a =C4=91=C6=A1n =C4=91i=E1=BB=87n t=E1=BB=AD.')
        message.attach(part)
        message['Subject'] = Header('Hóa đơn điện tử tháng 3', 'utf-8').encode()
        message['From'] = formataddr((str(Header('Phạm Thị Dung', 'utf-8')), 'dung@example.vn'))
        message['To'] = self.alias_email
        message['Message-Id'] = make_msgid()
        self.assertIn('=?utf-8?', message['Subject'])
        ticket = self._process(message.as_bytes())
        self.assertEqual(ticket.name, 'Hóa đơn điện tử tháng 3')
        self.assertIn('tôi không nhận được hóa đơn điện tử', ticket.description)
        self.assertEqual(ticket.partner_id.name, 'Phạm Thị Dung')

    def test_wrong_and_missing_charsets(self):
        # raw bytes: an unknown charset, then latin-1 bytes without any charset
        body = 'Tôi muốn đổi trả hàng'.encode('utf-8')
        raw = (
            b'From: khach@example.vn\r\nTo: ' + self.alias_email.encode() + b'\r\n'
            b'Subject: =?x-unknown?Q?=C4=90=E1=BB=95i_tr=E1=BA=A3?=\r\nMessage-Id: <bad-charset@example.vn>\r\n'
            b'MIME-Version: 1.0\r\nContent-Type: text/plain; charset="x-unknown-charset"\r\n'
            b'Content-Transfer-Encoding: 8bit\r\n\r\n' + body)
        ticket = self._process(raw)
        self.assertTrue(ticket.name)
        self.assertIn('muốn đổi trả hàng', ticket.description)
        # no charset at all, latin-1 bytes
        raw = (
            b'From: khach2@example.vn\r\nTo: ' + self.alias_email.encode() + b'\r\n'
            b'Subject: Caf\xe9\r\nMessage-Id: <no-charset@example.vn>\r\n\r\nCaf\xe9 cr\xe8me')
        ticket = self._process(raw)
        self.assertTrue(ticket.name)
        self.assertIn('Caf', ticket.description)

    def test_utf8_mislabelled_as_single_byte_charset(self):
        """Misconfigured mailers declare us-ascii / windows-1258 / iso-8859-1 and send UTF-8:
        the Vietnamese text is read as UTF-8, while real single-byte text keeps its charset."""
        # raw bytes: UTF-8 text under a single-byte charset label, then real latin-1 bytes
        for index, charset in enumerate(('us-ascii', 'windows-1258', 'iso-8859-1')):
            raw = (
                b'From: khach' + str(index).encode() + b'@example.vn\r\nTo: ' + self.alias_email.encode() + b'\r\n'
                b'Subject: Mislabelled ' + charset.encode() + b'\r\nMessage-Id: <mislabel-' + charset.encode()
                + b'@example.vn>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=' + charset.encode()
                + b'\r\nContent-Transfer-Encoding: 8bit\r\n\r\n' + 'Tôi muốn đổi trả hàng'.encode('utf-8'))
            ticket = self._process(raw)
            self.assertIn('Tôi muốn đổi trả hàng', ticket.description, charset)
        latin = (
            b'From: client@example.fr\r\nTo: ' + self.alias_email.encode() + b'\r\n'
            b'Subject: Latin\r\nMessage-Id: <latin-1@example.fr>\r\nMIME-Version: 1.0\r\n'
            b'Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'
            + 'Café crème à emporter'.encode('latin-1'))
        self.assertIn('Café crème à emporter', self._process(latin).description)

    def test_malformed_multipart_text_kept(self):
        # a multipart whose parts do not use the declared boundary: raw bytes, no template
        raw = (
            b'From: khach@example.vn\r\nTo: ' + self.alias_email.encode() + b'\r\n'
            b'Subject: Broken multipart\r\nMessage-Id: <broken@example.vn>\r\nMIME-Version: 1.0\r\n'
            b'Content-Type: multipart/mixed; boundary="NOPE"\r\n\r\n'
            b'--WRONG\r\nContent-Type: text/plain\r\n\r\nNoi dung van con\r\n--WRONG--\r\n')
        ticket = self._process(raw)
        self.assertEqual(ticket.name, 'Broken multipart')
        self.assertIn('Noi dung van con', ticket.description)

    def test_html_scripts_sanitized(self):
        html = ('<html><body><p onclick="steal()">Xin chào</p><script>alert(1)</script>'
                '<img src="x" onerror="alert(2)"/><a href="javascript:alert(3)">link</a></body></html>')
        ticket = self._process(self._mail(MAIL_TEMPLATE_HTML, body='Xin chào', html=html))
        for dangerous in ('<script', 'onclick', 'onerror', 'javascript:'):
            self.assertNotIn(dangerous, ticket.description)
            self.assertNotIn(dangerous, str(ticket.message_ids[-1].body))
        self.assertIn('Xin chào', ticket.description)

    def test_huge_body_kept_whole(self):
        body = ('Dòng nội dung rất dài của khách hàng. ' * 140000)[:5 * 1024 * 1024]
        ticket = self._process(self._mail(MAIL_TEMPLATE_BASE64, body_base64=base64.encodebytes(body.encode()).decode()))
        self.assertTrue(ticket)
        self.assertGreater(len(ticket.description), 4 * 1024 * 1024)


@tagged('post_install', '-at_install', 'cskh')
class TestMailClients(CskhMailCommon):
    """Samples shaped like what common mail clients send."""

    def test_gmail_html_signature_and_attachment(self):
        raw = self._mail(
            MAIL_TEMPLATE_HTML_ATTACHMENT, subject='Hỏi về bảo hành', body='Chào shop,\n\nMáy của tôi bị hỏng.\n\n-- \nBình',
            html='<div dir="ltr">Chào shop,<div><br></div><div>Máy của tôi bị hỏng.</div>'
                 '<div><br></div>-- <br><div dir="ltr" class="gmail_signature" data-smartmail="gmail_signature">Bình</div></div>',
            headers={'X-Gm-Message-State': 'AOJu0Yw'},
            attachment_name='anh-chup.png', attachment_type='image/png',
            attachment_base64='iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==')
        ticket = self._process(raw)
        self.assertIn('Máy của tôi bị hỏng', ticket.description)
        self.assertEqual(ticket.message_ids.attachment_ids.mapped('name'), ['anh-chup.png'])

    def test_inline_image_shown_in_description(self):
        """A screenshot pasted in the body (multipart/related, cid: reference) is displayed in
        the ticket description, not left as a broken cid: link."""
        message = MIMEMultipart('related')
        message['Subject'] = 'Lỗi khi thanh toán'
        message['From'] = 'Hoàng Văn Em <em.hoang@congty.vn>'
        message['To'] = self.alias_email
        message['Message-Id'] = '<inline-image-1@congty.vn>'
        message.attach(MIMEText(
            '<html><body><p>Màn hình báo lỗi:</p><img src="cid:image001.png@01DA"></body></html>', 'html', 'utf-8'))
        image = MIMEImage(base64.b64decode(
            'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='), 'png')
        image.add_header('Content-ID', '<image001.png@01DA>')
        image.add_header('Content-Disposition', 'inline', filename='image001.png')
        message.attach(image)
        ticket = self._process(message.as_bytes())
        attachment = ticket.message_ids.attachment_ids
        self.assertEqual(attachment.name, 'image001.png')
        self.assertNotIn('cid:', ticket.description)
        self.assertIn(f'/web/image/{attachment.id}?access_token=', ticket.description)
        self.assertIn('Màn hình báo lỗi', ticket.description)
        # a later reply with its own inline image leaves the description alone
        reply = MIMEMultipart('related')
        reply['Subject'] = f'Re: [{ticket.number}] Lỗi khi thanh toán'
        reply['From'] = 'Hoàng Văn Em <em.hoang@congty.vn>'
        reply['To'] = self.alias_email
        reply['Message-Id'] = '<inline-image-2@congty.vn>'
        reply['In-Reply-To'] = '<inline-image-1@congty.vn>'
        reply.attach(MIMEText('<p>Thêm ảnh:</p><img src="cid:image002.png@01DA">', 'html', 'utf-8'))
        image2 = MIMEImage(base64.b64decode(
            'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='), 'png')
        image2.add_header('Content-ID', '<image002.png@01DA>')
        reply.attach(image2)
        description = ticket.description
        self.assertEqual(self._process(reply.as_bytes()), ticket)
        self.assertEqual(ticket.description, description)

    def test_outlook_html_office_markup_dropped(self):
        html = ('<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>'
                '<meta http-equiv="Content-Type" content="text/html; charset=utf-8"><style>'
                '<!-- p.MsoNormal {margin:0cm;} --></style><!--[if gte mso 9]><xml><o:OfficeDocumentSettings>'
                '</o:OfficeDocumentSettings></xml><![endif]--></head><body lang="VI">'
                '<div class="WordSection1"><p class="MsoNormal">Kính gửi bộ phận CSKH,<o:p></o:p></p>'
                '<p class="MsoNormal">Đơn hàng DH-1234 giao thiếu.<o:p></o:p></p></div></body></html>')
        raw = self._mail(
            MAIL_TEMPLATE_HTML, subject='Đơn hàng DH-1234', body='Kính gửi bộ phận CSKH,\nĐơn hàng DH-1234 giao thiếu.', html=html,
            email_from='Hoàng Văn Em <em.hoang@congty.vn>',
            headers={'X-MS-Has-Attach': '', 'Thread-Topic': 'Đơn hàng DH-1234', 'X-MS-TNEF-Correlator': ''})
        ticket = self._process(raw)
        self.assertIn('giao thiếu', ticket.description)
        self.assertNotIn('OfficeDocumentSettings', ticket.description)

    def test_apple_mail_alternative_parts(self):
        message = MIMEMultipart('alternative')
        message.attach(MIMEText('Xin chào,\nỨng dụng bị treo trên iPhone.', 'plain', 'utf-8'))
        message.attach(MIMEText(
            '<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head>'
            '<body style="word-wrap: break-word; -webkit-nbsp-mode: space;">Xin chào,<div>'
            'Ứng dụng bị treo trên iPhone.</div></body></html>', 'html', 'utf-8'))
        message['Subject'] = 'Ứng dụng bị treo'
        message['From'] = 'Giang <giang@icloud.com>'
        message['To'] = self.alias_email
        message['Message-Id'] = '<5A1B2C3D-0000-4F3A-9E2B-APPLE@icloud.com>'
        message['X-Mailer'] = 'Apple Mail (2.3774.500.171.1.1)'
        ticket = self._process(message.as_bytes())
        self.assertEqual(ticket.name, 'Ứng dụng bị treo')
        self.assertIn('treo trên iPhone', ticket.description)


@tagged('post_install', '-at_install', 'cskh')
class TestAutoReply(CskhMailCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tag_password = cls.env['cskh.tag'].create({'name': 'Mật khẩu'})
        cls.answer = cls.ack_template.copy({'name': 'Quên mật khẩu', 'subject': 'Hướng dẫn đặt lại mật khẩu'})
        cls.rule_password = cls.env['cskh.auto.reply'].create({
            'name': 'Quên mật khẩu', 'sequence': 10, 'keywords': 'mat khau, password',
            'team_ids': [Command.set(cls.team.ids)], 'template_id': cls.answer.id,
            'stage_id': cls.stage_solved.id, 'tag_ids': [Command.set(cls.tag_password.ids)],
        })
        cls.rule_generic = cls.env['cskh.auto.reply'].create({
            'name': 'Đăng nhập', 'sequence': 20, 'keywords': 'dang nhap',
            'template_id': cls.ack_template.copy({'subject': 'Login help'}).id,
        })

    def test_normalize_text_drops_accents_case_spaces(self):
        self.assertEqual(normalize_text('  Quên MẬT   khẩu Đăng nhập '), 'quen mat khau dang nhap')
        self.assertEqual(normalize_text('ĐỔI TRẢ hàng'), 'doi tra hang')
        self.assertEqual(normalize_text(False), '')

    def test_keyword_rule_applies(self):
        ticket = self._process(self._mail(subject='Không vào được', body='Tôi QUÊN Mật Khẩu rồi'))
        subjects = self._auto_messages(ticket).mapped('subject')
        self.assertIn('Hướng dẫn đặt lại mật khẩu', subjects, "accent- and case-insensitive match")
        self.assertNotIn('Login help', subjects, "the first matching rule wins")
        self.assertEqual(ticket.stage_id, self.stage_solved)
        self.assertEqual(ticket.tag_ids, self.tag_password)

    def test_rules_order_team_and_words(self):
        # only the generic rule matches, through the subject
        ticket = self._process(self._mail(subject='Lỗi đăng nhập', body='help'))
        self.assertIn('Login help', self._auto_messages(ticket).mapped('subject'))
        self.assertEqual(ticket.stage_id, self.stage_new)
        # a rule of another team does not apply, nor do partial words ("mat khaux")
        ticket = self._process(self._mail(subject='Hỏi', body='mat khaux', email_from='x@example.vn'))
        self.assertEqual(self._auto_messages(ticket).mapped('subject'), [f'[{ticket.number}] We received your request: Hỏi'])
        private = self.env['cskh.ticket'].create({
            'name': 'Quên mật khẩu đăng nhập', 'team_id': self.team_private.id, 'partner_email': 'y@example.vn'})
        self.assertEqual(self.env['cskh.auto.reply']._find_rule(private), self.rule_generic)
        # sequence decides
        self.rule_generic.sequence = 1
        self.assertEqual(self.env['cskh.auto.reply']._find_rule(self._create_ticket(name='mật khẩu đăng nhập')),
                         self.rule_generic)
        self.rule_generic.active = False
        self.assertEqual(self.env['cskh.auto.reply']._find_rule(self._create_ticket(name='đăng nhập')),
                         self.env['cskh.auto.reply'])

    def test_rule_changes_apply_to_the_next_ticket(self):
        """The rules are kept between tickets, and a change applies to the next ticket."""
        Rule = self.env['cskh.auto.reply']
        self.assertFalse(Rule._find_rule(self._create_ticket(name='Hoàn tiền giúp tôi')))
        self.rule_generic.keywords = 'dang nhap, hoan tien'
        self.assertEqual(Rule._find_rule(self._create_ticket(name='Hoàn tiền giúp tôi')), self.rule_generic)
        refund = Rule.create({'name': 'Hoàn tiền', 'sequence': 1, 'keywords': 'hoan tien',
                              'team_ids': [Command.set(self.team.ids)]})
        ticket = self._create_ticket(name='Hoàn tiền giúp tôi')
        self.assertEqual(Rule._find_rule(ticket), refund)
        self.env.cr.flush()  # the acknowledgement and the rules of the new ticket
        self.env.invalidate_all()
        ticket.fetch(['name', 'description', 'team_id'])
        with self.assertQueryCount(0):  # the rules are not read again
            self.assertEqual(Rule._find_rule(ticket), refund)
        refund.team_ids = self.team_private
        self.assertEqual(Rule._find_rule(ticket), self.rule_generic)
        self.rule_generic.unlink()
        self.assertFalse(Rule._find_rule(ticket))

    def test_other_channels_get_ack_and_auto_reply(self):
        with self.mock_mail_gateway():
            ticket = self._create_ticket(name='Đổi mật khẩu', channel='phone', partner_id=self.customer.id)
            self.flush_tracking()
        self.assertEqual(len(self._auto_messages(ticket)), 2)
        without_email = self._create_ticket(name='Đổi mật khẩu', channel='phone')
        self.flush_tracking()
        self.assertFalse(self._auto_messages(without_email))

    @users('cskh_agent')
    def test_agent_reads_rules_but_cannot_edit(self):
        rules = self.env['cskh.auto.reply'].search([])
        self.assertIn(self.rule_password, rules)
        with self.assertRaises(Exception), mute_logger('odoo.addons.base.models.ir_model'):
            rules.browse(self.rule_password.id).write({'keywords': 'x'})
        with self.assertRaises(Exception), mute_logger('odoo.addons.base.models.ir_model'):
            self.env['cskh.auto.reply'].create({'name': 'x', 'keywords': 'x'})

    @users('cskh_manager')
    def test_manager_creates_edits_deletes_rules(self):
        rule = self.env['cskh.auto.reply'].create({'name': 'Giá', 'keywords': 'gia, bao gia'})
        rule.keywords = 'bang gia'
        rule.unlink()


@tagged('post_install', '-at_install', 'cskh')
class TestGatewayAliasLookups(CskhMailCommon):

    def test_alias_lookups_follow_alias_changes(self):
        """The gateway answers "is this address ours?" from a cached index, without a
        query; an alias created or renamed (e.g. by a team created from the mail being
        processed) is seen at once, and so is a change of the alias domain. Changing an
        address clears the registry's ``routing`` cache only, not the ``default`` one."""
        AliasDomain = self.env['mail.alias.domain']
        domain_name = self.team.alias_domain_id.name
        address = f'cskh-memo-check@{domain_name}'
        self.assertEqual(AliasDomain._find_aliases([address]), [])
        with self.assertQueryCount(0):
            self.assertEqual(AliasDomain._find_aliases([address, self.team.alias_email]), [self.team.alias_email])
        # a cached value of the registry's default cache, to tell whether it was cleared
        xmlid_cached = self.env['ir.model.data']._xmlid_lookup('base.main_company')
        index = AliasDomain._get_alias_index()
        team = self.env['cskh.team'].create({'name': 'Bảo hành', 'alias_name': 'cskh-memo-check'})
        self.assertIsNot(AliasDomain._get_alias_index(), index)
        self.assertEqual(AliasDomain._find_aliases([address]), [address])
        team.alias_name = 'cskh-memo-renamed'
        self.assertEqual(AliasDomain._find_aliases([address]), [])
        self.assertEqual(AliasDomain._find_aliases([f'cskh-memo-renamed@{domain_name}']),
                         [f'cskh-memo-renamed@{domain_name}'])
        self.team.alias_domain_id.bounce_alias = 'cskh-bounces'
        self.assertEqual(AliasDomain._find_aliases([f'cskh-bounces@{domain_name}']), [f'cskh-bounces@{domain_name}'])
        self.assertIs(self.env['ir.model.data']._xmlid_lookup('base.main_company'), xmlid_cached)
        # the gateway marking an alias valid changes no address: the index stays
        index = AliasDomain._get_alias_index()
        team.alias_id.alias_status = 'invalid' if team.alias_id.alias_status == 'valid' else 'valid'
        self.assertIs(AliasDomain._get_alias_index(), index)

    def test_alias_lookups_match_the_mail_module(self):
        """Same answers as the mail module's own lookup, local-part aliases and allowed
        catchall domains included."""
        AliasDomain = self.env['mail.alias.domain']
        Original = type(AliasDomain).__mro__
        domain_name = self.team.alias_domain_id.name
        self.env['mail.alias'].create({
            'alias_name': 'cskh-local', 'alias_model_id': self.env['ir.model']._get_id('cskh.ticket'),
            'alias_incoming_local': True, 'alias_domain_id': self.team.alias_domain_id.id})
        emails = [
            self.team.alias_email, f'cskh-local@{domain_name}', 'cskh-local@elsewhere.example',
            f'{self.team.alias_name}@elsewhere.example', 'khach@example.vn',
            self.team.alias_domain_id.bounce_email, self.team.alias_domain_id.catchall_email, 'not-an-email',
        ]
        core = next(cls for cls in Original if cls.__module__ == 'odoo.addons.mail.models.mail_alias_domain')
        for allowed in ('', 'elsewhere.example'):
            self.env['ir.config_parameter'].set_param('mail.catchall.domain.allowed', allowed)
            self.assertEqual(AliasDomain._find_aliases(emails), core._find_aliases(AliasDomain, emails), allowed)

    def test_ticket_created_by_hand_followed_by_customer(self):
        ticket = self.env['cskh.ticket'].create({
            'name': 'Gọi điện: đổi địa chỉ', 'team_id': self.team.id, 'partner_id': self.customer.id})
        self.assertIn(self.customer, ticket.message_partner_ids)
        follower = ticket.message_follower_ids.filtered(lambda f: f.partner_id == self.customer)
        self.assertFalse(follower.subtype_ids.filtered('internal'), "customers get public subtypes only")
        other = self.env['res.partner'].create({'name': 'Phạm Thị Dung', 'email': 'dung@example.vn'})
        ticket.partner_id = other
        self.assertIn(other, ticket.message_partner_ids)
