import json
import logging
from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CskhChannelCommon

_logger = logging.getLogger(__name__)


@tagged('post_install', '-at_install', 'cskh')
class TestChannelFacebookWebhook(CskhChannelCommon):
    """Messenger webhook: Meta's verification handshake and signed event batches."""

    def _verify(self, account=None, **params):
        query = '&'.join(f'{key}={value}' for key, value in params.items())
        return self.url_open(f'/cskh/webhook/facebook/{(account or self.facebook).id}?{query}')

    def test_verification_handshake(self):
        response = self._verify(**{'hub.mode': 'subscribe', 'hub.verify_token': 'verify-me-please',
                                   'hub.challenge': '1158201444'})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.text, '1158201444')
        for params in (
            {'hub.mode': 'subscribe', 'hub.verify_token': 'wrong', 'hub.challenge': '1'},
            {'hub.mode': 'subscribe', 'hub.challenge': '1'},
            {'hub.mode': 'unsubscribe', 'hub.verify_token': 'verify-me-please', 'hub.challenge': '1'},
        ):
            with self.subTest(params=params):
                self.assertEqual(self._verify(**params).status_code, 403)
        self.assertEqual(self._verify(account=self.zalo, **{
            'hub.mode': 'subscribe', 'hub.verify_token': 'verify-me-please', 'hub.challenge': '1'}).status_code, 403)

    def test_setup_buttons(self):
        action = self.facebook.action_test_connection()
        self.assertIn('Fanpage ABC', action['params']['message'])
        self.facebook.action_facebook_subscribe_page()
        [call] = self.provider.calls('/subscribed_apps')
        self.assertEqual(call['path'], f'/v19.0/{self.facebook.facebook_page_id}/subscribed_apps')
        self.assertEqual(call['query'], {'subscribed_fields': 'messages', 'access_token': 'page-token-fb'})
        self.provider.fail_next('/subscribed_apps', 400, {'error': {'message': '(#200) Permissions error'}})
        with self.assertRaisesRegex(UserError, 'Permissions error'):
            self.facebook.action_facebook_subscribe_page()

    def test_signature_refused(self):
        payload = self._facebook_payload(self._facebook_messaging('m_refused'))
        raw = json.dumps(payload).encode()
        for signature in (
            False,
            'sha256=' + '0' * 64,
            self._facebook_sign(raw, secret='another-app'),
            self._facebook_sign(raw)[7:],  # without "sha256="
            self._facebook_sign(raw).replace('sha256=', 'sha1='),
        ):
            with self.subTest(signature=signature):
                self.assertEqual(self._post_facebook(payload, signature=signature).status_code, 403)
        tampered = raw.replace(b'Shop', b'SHOP')
        self.assertEqual(self._post_facebook(payload, signature=self._facebook_sign(raw), raw=tampered).status_code, 403)
        # a valid signature, to the Zalo account's id on the Facebook route
        self.assertEqual(self._post_facebook(payload, account=self.zalo).status_code, 403)
        self.facebook.active = False
        self.assertEqual(self._post_facebook(payload).status_code, 403)
        self.assertFalse(self.env['cskh.channel.event'].search([('provider_message_id', '=', 'm_refused')]))

    def test_batch_stored_once(self):
        """One delivery carries several messages; echoes of the page's own messages and
        other pages' entries are left out; a retried delivery stores nothing new."""
        payload = self._facebook_payload(
            self._facebook_messaging('m_1'),
            self._facebook_messaging('m_2', text='Giá bao nhiêu?', psid='7345678901234567'),
            dict(self._facebook_messaging('m_echo'), message={'mid': 'm_echo', 'is_echo': True, 'text': 'Chào bạn'}),
            {'sender': {'id': '6234567890123456'}, 'recipient': {'id': '1'}, 'timestamp': 1,
             'delivery': {'mids': ['m_1'], 'watermark': 1}},
        )
        response = self._post_facebook(payload)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.text, 'EVENT_RECEIVED')
        self.assertEqual(sorted(self._events(self.facebook).mapped('provider_message_id')), ['m_1', 'm_2'])
        self._post_facebook(payload)
        self._post_facebook(self._facebook_payload(self._facebook_messaging('m_other'), page_id='999'))
        self.assertEqual(len(self._events(self.facebook)), 2)
        self._process_events()
        tickets = self._events(self.facebook).ticket_id
        self.assertEqual(len(tickets), 2)
        self.assertEqual(set(tickets.mapped('channel')), {'facebook'})
        self.assertEqual(tickets.partner_id.mapped('name'), ['Lê Văn Cường'] * 2)
        self.assertEqual(set(tickets.partner_id.mapped('cskh_facebook_psid')), {'6234567890123456', '7345678901234567'})
        profile = self.provider.calls('/v19.0/6234567890123456', 'GET')[0]
        self.assertEqual(profile['query']['access_token'], 'page-token-fb')

    def test_media_messages(self):
        url = self.provider.url
        self._post_facebook(self._facebook_payload(
            self._facebook_messaging('m_img', text=None, attachments=[
                {'type': 'image', 'payload': {'url': f'{url}/files/anh-loi.png?size=1000'}}]),
            self._facebook_messaging('m_sticker', text=None, attachments=[
                {'type': 'image', 'payload': {'url': f'{url}/files/like.png', 'sticker_id': 369239263222822}}]),
        ))
        self._process_events()
        events = {event.provider_message_id: event for event in self._events(self.facebook)}
        self.assertEqual(events['m_img'].message_id.attachment_ids.name, 'anh-loi.png')
        self.assertIn('[Sticker]', events['m_sticker'].message_id.body)
        self.assertFalse(events['m_sticker'].message_id.attachment_ids)


@tagged('post_install', '-at_install', 'cskh')
class TestChannelFacebookReply(CskhChannelCommon):
    """Answers on Messenger: RESPONSE within 24 hours, HUMAN_AGENT tag within 7 days."""

    def setUp(self):
        super().setUp()
        now_ms = int(fields.Datetime.now().timestamp() * 1000)
        self._post_facebook(self._facebook_payload(self._facebook_messaging('m_1', timestamp=now_ms)))
        self._process_events()
        self.ticket = self._events(self.facebook).ticket_id
        self.provider.requests.clear()

    def _sent(self):
        return self.provider.calls(f'/v19.0/{self.facebook.facebook_page_id}/messages')

    def test_reply_response(self):
        self._agent_reply(self.ticket, '<p>Dạ còn hàng ạ</p>')
        self._send_deliveries()
        [call] = self._sent()
        self.assertEqual(call['query'], {'access_token': 'page-token-fb'})
        self.assertEqual(call['json'], {
            'recipient': {'id': '6234567890123456'},
            'messaging_type': 'RESPONSE',
            'message': {'text': 'Dạ còn hàng ạ'},
        })
        self.assertEqual(self.ticket.channel_delivery_ids.state, 'sent')

    def test_reply_human_agent_tag(self):
        self.ticket.channel_last_inbound_date = fields.Datetime.now() - timedelta(days=3)
        attachment = self.env['ir.attachment'].create({
            'name': 'baogia.pdf', 'raw': b'%PDF fake', 'mimetype': 'application/pdf',
            'res_model': 'cskh.ticket', 'res_id': self.ticket.id})
        self._agent_reply(self.ticket, 'Báo giá đây ạ', attachment_ids=attachment.ids)
        self._send_deliveries()
        text, file = self._sent()
        self.assertEqual(text['json']['messaging_type'], 'MESSAGE_TAG')
        self.assertEqual(text['json']['tag'], 'HUMAN_AGENT')
        self.assertIn(b'name="filedata"; filename="baogia.pdf"', file['body'])
        self.assertIn(b'HUMAN_AGENT', file['body'])

    @mute_logger('odoo.addons.cskh_helpdesk.models.cskh_channel_delivery')
    def test_reply_outside_window(self):
        """Past 7 days Messenger refuses any answer: failed at once, the assignee is told."""
        self.ticket.channel_last_inbound_date = fields.Datetime.now() - timedelta(days=8)
        self._agent_reply(self.ticket, 'Dạ vâng')
        self._send_deliveries()
        delivery = self.ticket.channel_delivery_ids
        self.assertEqual((delivery.state, delivery.attempt_count), ('failed', 1))
        self.assertFalse(self._sent())
        self.assertTrue(self.ticket.activity_ids)

    @mute_logger('odoo.addons.cskh_helpdesk.models.cskh_channel_delivery')
    def test_provider_error_then_sent(self):
        self.provider.fail_next('/messages', 400, {'error': {
            'message': '(#100) No matching user found', 'type': 'OAuthException', 'code': 100}})
        self._agent_reply(self.ticket, 'Dạ vâng')
        self._send_deliveries()
        delivery = self.ticket.channel_delivery_ids
        self.assertEqual(delivery.state, 'queued')
        self.assertIn('No matching user found', delivery.error)
        self.assertNotIn('page-token-fb', delivery.error)
        delivery.next_attempt_date = fields.Datetime.now() - timedelta(seconds=1)
        self._send_deliveries()
        self.assertEqual(delivery.state, 'sent')


@tagged('post_install', '-at_install', 'cskh')
class TestChannelBurst(CskhChannelCommon):
    """A burst of webhook events is processed in batches whose cost per event does not grow
    with the batch (customers and conversations are looked up once per batch)."""

    def _post_burst(self, count, prefix):
        messagings = [self._facebook_messaging(f'm_{prefix}_{index}', psid=f'{prefix}{index:06d}')
                      for index in range(count)]
        self.assertEqual(self._post_facebook(self._facebook_payload(*messagings)).status_code, 200)

    def _process_batch_queries(self):
        Event = self.env['cskh.channel.event']
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        done = Event._process_next_batch(Event._get_processable_domain(), 500)
        self.env.flush_all()
        return done, self.cr.sql_log_count - before

    def test_burst_200(self):
        self._post_burst(20, 'a')
        done_20, queries_20 = self._process_batch_queries()
        self._post_burst(200, 'b')
        done_200, queries_200 = self._process_batch_queries()
        self.assertEqual((done_20, done_200), (20, 200))
        _logger.info("Channel burst: %s queries for 20 new conversations, %s for 200", queries_20, queries_200)
        self.assertEqual(len(self._events(self.facebook).ticket_id), 220)
        self.assertLessEqual(queries_200 / 200, queries_20 / 20, "no query grows with the batch")
        # the same 200 customers write again: their open tickets are found in one lookup
        self._post_burst(200, 'b')
        messagings = [self._facebook_messaging(f'm_again_{index}', psid=f'b{index:06d}') for index in range(200)]
        self._post_facebook(self._facebook_payload(*messagings))
        done_again, queries_again = self._process_batch_queries()
        self.assertEqual(done_again, 200)
        self.assertEqual(len(self._events(self.facebook).ticket_id), 220, "no new ticket")
        _logger.info("Channel burst: %s queries for 200 messages on open tickets", queries_again)
        self.assertLess(queries_again, queries_200)
