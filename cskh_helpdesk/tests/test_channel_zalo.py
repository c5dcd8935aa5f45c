import json
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tests.common import freeze_time
from odoo.tools import mute_logger

from odoo.addons.mail.tools.discuss import Store

from .common import CskhChannelCommon


@tagged('post_install', '-at_install', 'cskh')
class TestChannelZaloWebhook(CskhChannelCommon):
    """Zalo OA webhook: only events signed with the account's secret are stored, once."""

    def test_signature_refused(self):
        payload = self._zalo_payload('msg-refused')
        raw = json.dumps(payload).encode()
        for signature in (
            False,  # no header
            'mac=' + '0' * 64,
            self._zalo_sign(raw, payload['timestamp'], secret='another-secret'),
            self._zalo_sign(raw, payload['timestamp'], app_id='999'),
            self._zalo_sign(raw, '1764681600001'),  # not the event's timestamp
            self._zalo_sign(raw, payload['timestamp'])[4:],  # without "mac="
        ):
            with self.subTest(signature=signature):
                self.assertEqual(self._post_zalo(payload, signature=signature).status_code, 403)
        # a body changed after signing
        tampered = json.dumps(dict(payload, message={'msg_id': 'msg-refused', 'text': 'Đổi nội dung'})).encode()
        response = self._post_zalo(payload, signature=self._zalo_sign(raw, payload['timestamp']), raw=tampered)
        self.assertEqual(response.status_code, 403)
        self.assertFalse(self._events())

    def test_forged_account_refused(self):
        """A valid signature sent to another account, a missing or archived one: refused."""
        payload = self._zalo_payload('msg-forged')
        self.assertEqual(self._post_zalo(payload, account=self.facebook).status_code, 403)
        self.assertEqual(self.url_open(
            '/cskh/webhook/zalo/987654', data=json.dumps(payload).encode(),
            headers={'X-ZEvent-Signature': self._zalo_sign(json.dumps(payload).encode(), payload['timestamp'])},
        ).status_code, 403)
        other = self.zalo.copy({'name': 'Other OA'})
        other.sudo().write({'zalo_oa_secret_key': 'other-secret'})
        self.assertEqual(self._post_zalo(payload, account=other).status_code, 403,
                         "signed with the secret of another account")
        self.zalo.active = False
        self.assertEqual(self._post_zalo(payload).status_code, 403)
        self.assertFalse(self.env['cskh.channel.event'].with_context(active_test=False).search(
            [('provider_message_id', '=', 'msg-forged')]))

    def test_unparsable_or_huge_body_refused(self):
        response = self._post_zalo(None, signature='mac=00', raw=b'not json')
        self.assertEqual(response.status_code, 403)
        payload = self._zalo_payload('msg-huge', text='x' * (5 * 1024 * 1024))
        self.assertEqual(self._post_zalo(payload).status_code, 403, "signed, but larger than any real event")
        self.assertFalse(self._events())

    def test_accepted_once(self):
        """Zalo retries a delivery it did not see answered: the message is stored and
        posted once, even when the same event comes again after processing."""
        payload = self._zalo_payload('msg-once')
        cron = self.env.ref('cskh_helpdesk.cskh_channel_event_cron_process')
        triggers = self.env['ir.cron.trigger'].search([('cron_id', '=', cron.id)])
        response = self._post_zalo(payload)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(self._events()), 1)
        self.assertTrue(self.env['ir.cron.trigger'].search([('cron_id', '=', cron.id)]) - triggers,
                        "the processing cron is woken up")
        self.assertEqual(self._post_zalo(payload).status_code, 200, "a replay is answered, not stored")
        self.assertEqual(len(self._events()), 1)
        self._process_events()
        self.assertEqual(self._post_zalo(payload).status_code, 200)
        self._process_events()
        event = self._events()
        self.assertEqual(event.state, 'done')
        customer_messages = event.ticket_id.message_ids.filtered(lambda m: m.author_id == event.ticket_id.partner_id)
        self.assertEqual(len(customer_messages), 1)

    def test_done_events_forgotten(self):
        self._post_zalo(self._zalo_payload('msg-old'))
        self._process_events()
        event = self._events()
        self.env['cskh.channel.event']._gc_done_events()
        self.assertTrue(event.exists(), "kept while the provider may retry it")
        with freeze_time(fields.Datetime.now() + timedelta(days=31)):
            self.env['cskh.channel.event']._gc_done_events()
        self.assertFalse(event.exists())

    def test_other_events_ignored(self):
        """Follows, the OA's own messages, or messages to another OA are not queued."""
        follow = dict(self._zalo_payload('msg-x'), event_name='follow')
        self.assertEqual(self._post_zalo(follow).status_code, 200)
        other_oa = dict(self._zalo_payload('msg-y'), recipient={'id': '111'})
        self.assertEqual(self._post_zalo(other_oa).status_code, 200)
        self.assertFalse(self._events())


@tagged('post_install', '-at_install', 'cskh')
class TestChannelZaloConversation(CskhChannelCommon):
    """Messages of a Zalo user become a ticket, then messages of that ticket."""

    def test_first_message_creates_ticket(self):
        self.provider.profiles['2512523625412515'] = 'Phạm Thu Hà'
        self._post_zalo(self._zalo_payload('msg-1', text='Máy giặt không vắt được\nMua tháng trước'))
        self._process_events()
        ticket = self._events().ticket_id
        self.assertEqual(ticket.team_id, self.team)
        self.assertEqual(ticket.channel, 'zalo')
        self.assertEqual(ticket.name, 'Máy giặt không vắt được')
        self.assertEqual(ticket.channel_account_id, self.zalo)
        self.assertEqual(ticket.partner_id.name, 'Phạm Thu Hà')
        self.assertEqual(ticket.partner_id.cskh_zalo_user_id, '2512523625412515')
        self.assertEqual(ticket.user_id, self.user_agent, "assigned as any new ticket of the team")
        self.assertEqual(self.provider.calls('/v3.0/oa/user/detail', 'GET')[0]['headers']['access_token'], 'zalo-access-0')
        message = ticket.message_ids.filtered(lambda m: m.author_id == ticket.partner_id)
        self.assertIn('Mua tháng trước', message.body)
        self.assertEqual(message.message_type, 'comment')
        self.assertEqual(ticket.channel_last_inbound_date, fields.Datetime.to_datetime('2025-12-02 13:20:00'))

        # the next message goes to the same open ticket, the customer is found again
        self._post_zalo(self._zalo_payload('msg-2', text='Shop ơi?'))
        self._process_events()
        self.assertEqual(self._events().ticket_id, ticket)
        self.assertEqual(len(self.env['res.partner'].search([('cskh_zalo_user_id', '=', '2512523625412515')])), 1)
        self.assertEqual(len(self.provider.calls('/v3.0/oa/user/detail', 'GET')), 1)

    def test_acknowledgement_on_channel(self):
        """The team's acknowledgement reaches the customer on Zalo, not by email."""
        self.team.ack_template_id = self.env.ref('cskh_helpdesk.mail_template_ticket_ack')
        self._post_zalo(self._zalo_payload('msg-ack'))
        self._process_events()
        ticket = self._events().ticket_id
        ack = ticket.channel_delivery_ids.message_id
        self.assertEqual(ack.message_type, 'auto_comment')
        self.assertFalse(self.env['mail.notification'].search(
            [('mail_message_id', '=', ack.id), ('notification_type', '=', 'email')]))
        self._send_deliveries()
        [call] = self.provider.calls('/v3.0/oa/message/cs')
        self.assertIn(ticket.number, call['json']['message']['text'])

    def test_reopen_window(self):
        self._post_zalo(self._zalo_payload('msg-1'))
        self._process_events()
        ticket = self._events().ticket_id
        partner = ticket.partner_id
        ticket.stage_id = self.stage_solved
        ticket.date_closed = fields.Datetime.now() - timedelta(days=3)
        self._post_zalo(self._zalo_payload('msg-2', text='Lại bị lỗi'))
        self._process_events()
        self.assertEqual(self._events().ticket_id, ticket, "closed 3 days ago: the same ticket")
        self.assertFalse(ticket.is_closed, "reopened as for an email reply")
        ticket.stage_id = self.stage_solved
        ticket.date_closed = fields.Datetime.now() - timedelta(days=8)
        self._post_zalo(self._zalo_payload('msg-3', text='Câu hỏi khác'))
        self._process_events()
        new_ticket = self._events().filtered(lambda e: e.provider_message_id == 'msg-3').ticket_id
        self.assertNotEqual(new_ticket, ticket, "closed 8 days ago: a new ticket")
        self.assertEqual(new_ticket.partner_id, partner)
        self.assertTrue(ticket.is_closed)

    def test_media_messages(self):
        url = self.provider.url
        self._post_zalo(self._zalo_payload('msg-img', text='', event='user_send_image', attachments=[
            {'type': 'image', 'payload': {'thumbnail': f'{url}/files/t.jpg', 'url': f'{url}/files/hoadon.jpg?size=2048'}}]))
        self._post_zalo(self._zalo_payload('msg-file', text='', event='user_send_file', attachments=[
            {'type': 'file', 'payload': {'name': 'baohanh.pdf', 'size': '4096', 'type': 'pdf',
                                         'url': f'{url}/files/x?size=4096'}}]))
        self._post_zalo(self._zalo_payload('msg-big', text='', event='user_send_file', attachments=[
            {'type': 'file', 'payload': {'name': 'video.mov', 'url': f'{url}/files/v?size={2 * 1024 * 1024}'}}]))
        self._post_zalo(self._zalo_payload('msg-sticker', text='', event='user_send_sticker', attachments=[
            {'type': 'sticker', 'payload': {'id': 'bfe458bf64fa8da4d4eb', 'url': f'{url}/files/s.png'}}]))
        self._post_zalo(self._zalo_payload('msg-loc', text='', event='user_send_location', attachments=[
            {'type': 'location', 'payload': {'coordinates': {'latitude': '21.0285', 'longitude': '105.8542'}}}]))
        self.zalo.attachment_max_size = 1
        self._process_events()
        events = {event.provider_message_id: event for event in self._events()}
        self.assertTrue(all(event.state == 'done' for event in events.values()))
        image = events['msg-img'].message_id
        self.assertEqual(image.attachment_ids.mapped('name'), ['hoadon.jpg'])
        self.assertEqual(image.attachment_ids.file_size, 2048)
        self.assertEqual(events['msg-file'].message_id.attachment_ids.name, 'baohanh.pdf')
        self.assertFalse(events['msg-big'].message_id.attachment_ids)
        self.assertIn('video.mov', events['msg-big'].message_id.body)
        self.assertIn('[Sticker]', events['msg-sticker'].message_id.body)
        self.assertIn('21.0285', events['msg-loc'].message_id.body)

    @mute_logger('odoo.addons.cskh_helpdesk.models.cskh_channel_event')
    def test_failed_event_retried_then_given_up(self):
        """A message whose file cannot be fetched stays queued with its error, is tried
        again later, and is given up after the last attempt."""
        self._post_zalo(self._zalo_payload('msg-broken', text='', event='user_send_image', attachments=[
            {'type': 'image', 'payload': {'url': 'http://127.0.0.1:9/unreachable.jpg'}}]))
        self._process_events()
        event = self._events()
        self.assertEqual((event.state, event.attempt_count), ('pending', 1))
        self.assertIn('Download failed', event.error)
        self.assertFalse(event.ticket_id, "nothing half done is kept")
        for attempt in range(2, 6):
            with freeze_time(event.next_attempt_date + timedelta(seconds=1)):
                self._process_events()
            self.assertEqual(event.attempt_count, attempt)
        self.assertEqual(event.state, 'failed')


@tagged('post_install', '-at_install', 'cskh', 'cskh_tour')
class TestChannelZaloTour(CskhChannelCommon):
    """In the browser: the agent's "Send message" on a Zalo ticket goes to Zalo."""

    @mute_logger('odoo.addons.cskh_helpdesk.models.cskh_channel_delivery')
    def test_agent_answers_on_zalo(self):
        self._post_zalo(self._zalo_payload('msg-tour', text='Cho hỏi giờ mở cửa'))
        self._process_events()
        ticket = self._events().ticket_id
        ticket.channel_last_inbound_date = fields.Datetime.now()
        self.provider.fail_next('/v3.0/oa/message/cs', 200, {'error': -230, 'message': 'User has not interacted'})
        self._agent_reply(ticket, 'Câu trả lời bị từ chối')
        ticket.channel_delivery_ids.write({'attempt_count': 4})
        self._send_deliveries()
        self.start_tour(f'/odoo/cskh-tickets/{ticket.id}', 'cskh_channel_reply_tour', login='cskh_agent')
        answer = ticket.message_ids.filtered(lambda m: 'từ 8h đến 21h' in m.body)
        self.assertEqual(answer.author_id, self.user_agent.partner_id)
        self._send_deliveries()
        sent = [call['json']['message']['text'] for call in self.provider.calls('/v3.0/oa/message/cs')]
        self.assertEqual(sent[-1], 'Dạ, shop mở cửa từ 8h đến 21h ạ.')
        self.assertEqual(answer.cskh_channel_delivery_ids.state, 'sent')
        self.assertFalse(self.env['mail.mail'].search([('mail_message_id', '=', answer.id)]),
                         "no email to the customer")


@tagged('post_install', '-at_install', 'cskh')
class TestChannelZaloReply(CskhChannelCommon):
    """Agents' answers reach the customer on Zalo, notes never do."""

    def setUp(self):
        super().setUp()
        self._post_zalo(self._zalo_payload('msg-1', text='Cho hỏi giờ mở cửa'))
        self._process_events()
        self.ticket = self._events().ticket_id
        self.provider.requests.clear()

    def test_reply_delivered(self):
        message = self._agent_reply(self.ticket, '<p>Dạ, shop mở cửa <b>8h-21h</b> ạ.</p>')
        delivery = self.ticket.channel_delivery_ids
        self.assertEqual((delivery.message_id, delivery.state), (message, 'queued'))
        self.assertFalse(self.env['mail.notification'].search(
            [('mail_message_id', '=', message.id), ('res_partner_id', '=', self.ticket.partner_id.id)]),
            "the customer is not emailed")
        self.assertFalse(self.provider.requests, "nothing is sent before the answer is committed")
        self._send_deliveries()
        [call] = self.provider.calls('/v3.0/oa/message/cs')
        self.assertEqual(call['headers']['access_token'], 'zalo-access-0')
        self.assertEqual(call['json'], {
            'recipient': {'user_id': '2512523625412515'},
            'message': {'text': 'Dạ, shop mở cửa *8h-21h* ạ.'},
        })
        self.assertEqual(delivery.state, 'sent')
        self.assertTrue(delivery.provider_message_id.startswith('zalo-msg-'))
        # the state is shown under the answer in the chatter of internal users only
        store_data = Store().add(message.with_user(self.user_agent)).get_result()
        self.assertEqual(store_data['mail.message'][0]['cskh_channel_delivery'],
                         {'state': 'sent', 'error': False, 'channel': 'Zalo OA Cửa hàng'})
        self.assertFalse(Store().add(self.ticket.message_ids.filtered(
            lambda m: m.author_id == self.ticket.partner_id)).get_result()['mail.message'][0]['cskh_channel_delivery'],
            "nothing for the customer's own messages")
        portal_store = Store(bus_channel=self.ticket.partner_id).add(message).get_result()
        self.assertNotIn('cskh_channel_delivery', portal_store['mail.message'][0])
        bus = self.env['bus.bus'].sudo().search([('message', 'like', 'cskh_channel_delivery')], order='id desc', limit=1)
        self.assertIn('"cskh_channel_delivery":{"state":"sent"', bus.message, "the author's open chatter is updated")
        self.assertTrue(self.ticket.date_first_response, "counts as the first response")

    def test_long_reply_split(self):
        paragraph = 'Dạ, chính sách đổi trả của shop như sau. ' * 30  # 1230 characters
        self._agent_reply(self.ticket, f'<p>{paragraph}</p><p>{paragraph}</p><p>{paragraph}</p>')
        self._send_deliveries()
        texts = [call['json']['message']['text'] for call in self.provider.calls('/v3.0/oa/message/cs')]
        self.assertEqual(len(texts), 3)
        self.assertTrue(all(len(text) <= 2000 for text in texts))
        self.assertEqual(''.join(texts).replace(' ', '').replace('\n', ''),
                         (paragraph * 3).replace(' ', ''))

    def test_reply_with_attachments(self):
        attachments = self.env['ir.attachment'].create([
            {'name': 'anh.png', 'raw': b'\x89PNG fake', 'mimetype': 'image/png',
             'res_model': 'cskh.ticket', 'res_id': self.ticket.id},
            {'name': 'huongdan.pdf', 'raw': b'%PDF fake', 'mimetype': 'application/pdf',
             'res_model': 'cskh.ticket', 'res_id': self.ticket.id},
        ])
        self._agent_reply(self.ticket, 'Hướng dẫn đây ạ', attachment_ids=attachments.ids)
        self._send_deliveries()
        self.assertEqual(len(self.provider.calls('/v2.0/oa/upload/image')), 1)
        self.assertEqual(len(self.provider.calls('/v2.0/oa/upload/file')), 1)
        sends = [call['json']['message'] for call in self.provider.calls('/v3.0/oa/message/cs')]
        self.assertEqual(sends[0], {'text': 'Hướng dẫn đây ạ'})
        self.assertEqual(sends[1]['attachment']['payload']['template_type'], 'media')
        self.assertEqual(sends[2], {'attachment': {'type': 'file', 'payload': {'token': sends[2]['attachment']['payload']['token']}}})
        self.assertEqual(self.ticket.channel_delivery_ids.state, 'sent')

    def test_customer_not_suggested_by_email(self):
        """The chatter's composer proposes recipients by email: not the Zalo customer."""
        suggested = self.ticket.with_user(self.user_agent)._message_get_suggested_recipients(reply_discussion=True)
        self.assertNotIn(self.ticket.partner_id.id, [recipient['partner_id'] for recipient in suggested])

    def test_note_never_sent(self):
        self.ticket.with_user(self.user_agent).message_post(
            body='Khách này hay đổi ý', message_type='comment', subtype_xmlid='mail.mt_note')
        self.ticket.with_user(self.user_agent).message_post(
            body='Ghi chú qua @mention', message_type='comment', subtype_xmlid='mail.mt_note',
            partner_ids=self.ticket.partner_id.ids)
        self.assertFalse(self.ticket.channel_delivery_ids)
        self._send_deliveries()
        self.assertFalse(self.provider.calls('/v3.0/oa/message/cs'))

    @mute_logger('odoo.addons.cskh_helpdesk.models.cskh_channel_delivery')
    def test_provider_error_retry(self):
        """An error of the provider: retried with a growing delay, the assignee gets an
        activity after the last try, and a manual retry sends it."""
        self.provider.fail_next('/v3.0/oa/message/cs', 200, {'error': -216, 'message': 'Access token is invalid'}, times=5)
        self._agent_reply(self.ticket, 'Dạ vâng')
        delivery = self.ticket.channel_delivery_ids
        self._send_deliveries()
        self.assertEqual((delivery.state, delivery.attempt_count), ('queued', 1))
        self.assertIn('-216', delivery.error)
        self._send_deliveries()
        self.assertEqual(delivery.attempt_count, 1, "not before its next attempt date")
        delays = []
        for _attempt in range(4):
            delays.append(delivery.next_attempt_date)
            with freeze_time(delivery.next_attempt_date + timedelta(seconds=1)):
                self._send_deliveries()
        self.assertEqual((delivery.state, delivery.attempt_count), ('failed', 5))
        self.assertEqual(self.ticket.channel_delivery_failed_count, 1)
        activity = self.ticket.activity_ids.filtered(lambda a: a.user_id == self.user_agent)
        self.assertEqual(len(activity), 1)
        self.assertIn('Zalo OA Cửa hàng', activity.summary)
        delivery.with_user(self.user_manager).action_retry()
        self._send_deliveries()
        self.assertEqual(delivery.state, 'sent')
        self.assertEqual(len(self.provider.calls('/v3.0/oa/message/cs')), 6)

    def test_token_refresh(self):
        """An access token about to expire is refreshed (OAuth v4) before sending."""
        self.zalo.zalo_token_expiry = fields.Datetime.now() + timedelta(minutes=30)
        self._agent_reply(self.ticket, 'Dạ vâng')
        self._send_deliveries()
        [refresh] = self.provider.calls('/v4/oa/access_token')
        self.assertEqual(refresh['headers']['secret_key'], 'app-secret-zalo')
        self.assertEqual(refresh['form'], {
            'refresh_token': 'zalo-refresh-0', 'app_id': '4321987654', 'grant_type': 'refresh_token'})
        self.zalo.invalidate_recordset()
        new_token = self.zalo.zalo_access_token
        self.assertNotEqual(new_token, 'zalo-access-0')
        self.assertNotEqual(self.zalo.zalo_refresh_token, 'zalo-refresh-0')
        self.assertGreater(self.zalo.zalo_token_expiry, fields.Datetime.now() + timedelta(hours=24))
        [send] = self.provider.calls('/v3.0/oa/message/cs')
        self.assertEqual(send['headers']['access_token'], new_token)

    def test_test_connection(self):
        action = self.zalo.action_test_connection()
        self.assertIn('Cửa hàng ABC', action['params']['message'])
        self.provider.fail_next('/v2.0/oa/getoa', 200, {'error': -216, 'message': 'Access token is invalid'})
        with self.assertRaisesRegex(UserError, 'Access token is invalid'):
            self.zalo.action_test_connection()

    def test_token_refresh_cron(self):
        self.zalo.zalo_token_expiry = fields.Datetime.now() + timedelta(minutes=30)
        self._run_cron('cskh_helpdesk.cskh_channel_account_cron_refresh_token')
        self.assertEqual(len(self.provider.calls('/v4/oa/access_token')), 1)
        self._run_cron('cskh_helpdesk.cskh_channel_account_cron_refresh_token')
        self.assertEqual(len(self.provider.calls('/v4/oa/access_token')), 1, "not again: the new token is fresh")

    def test_access(self):
        """Managers configure the accounts, agents only read what they are, the secrets
        are for system administrators; agents see the events of the tickets they see."""
        for user in (self.user_manager, self.user_agent):
            account = self.zalo.with_user(user)
            self.assertEqual(account.name, 'Zalo OA Cửa hàng')
            self.assertTrue(account.webhook_url.endswith(f'/cskh/webhook/zalo/{self.zalo.id}'))
            for fname in ('zalo_oa_secret_key', 'zalo_app_secret_key', 'zalo_access_token', 'zalo_refresh_token'):
                with self.subTest(user=user.name, fname=fname), self.assertRaises(AccessError):
                    account.read([fname])
        self.zalo.with_user(self.user_manager).reopen_days = 3
        with self.assertRaises(AccessError):
            self.zalo.with_user(self.user_agent).reopen_days = 5
        with self.assertRaises(AccessError):
            self.env['cskh.channel.account'].with_user(self.user_agent).create(
                {'name': 'X', 'provider': 'zalo_oa', 'team_id': self.team.id})
        self.team.visibility = 'members'
        self._agent_reply(self.ticket, 'Dạ vâng')
        Event = self.env['cskh.channel.event']
        self.assertEqual(Event.with_user(self.user_agent).search([]), self._events())
        self.assertFalse(Event.with_user(self.user_agent_3).search([]), "not a member of the ticket's team")
        self.assertEqual(
            self.env['cskh.channel.delivery'].with_user(self.user_agent).search([]), self.ticket.channel_delivery_ids)
        self.assertEqual(len(self.ticket.channel_delivery_ids), 1)
        self.assertFalse(self.env['cskh.channel.delivery'].with_user(self.user_agent_3).search([]))
