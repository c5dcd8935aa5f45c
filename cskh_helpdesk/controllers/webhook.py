import json
import logging

from odoo import http
from odoo.http import request

_logger = logging.getLogger(__name__)

# largest webhook body read and hashed (Messenger batches are a few hundred kB at most)
MAX_WEBHOOK_BODY = 4 * 1024 * 1024


class CskhChannelWebhook(http.Controller):
    """Webhook endpoints of the Zalo OA and Facebook Page channel accounts.

    Public and without CSRF token (the providers call them), so each request proves
    itself with the provider's signature of the raw body, checked against the
    account's secret before anything is stored: a missing or wrong signature, an
    unknown or archived account answer 403. Valid events are queued
    (``cskh.channel.event``) and the answer is immediate; a cron turns them into
    tickets (Zalo gives up after 2 seconds)."""

    def _get_account(self, account_id, provider):
        account = request.env['cskh.channel.account'].sudo().browse(account_id).exists()
        if not account or not account.active or account.provider != provider:
            return None
        return account

    def _forbidden(self):
        return request.make_response('Forbidden', headers=[('Content-Type', 'text/plain')], status=403)

    def _read_body(self):
        """The raw body, or None when it is larger than any genuine event batch."""
        length = request.httprequest.content_length
        if length is not None and length > MAX_WEBHOOK_BODY:
            return None
        raw_body = request.httprequest.get_data()
        return raw_body if len(raw_body) <= MAX_WEBHOOK_BODY else None

    def _ok(self, body='OK'):
        return request.make_response(body, headers=[('Content-Type', 'text/plain')])

    @http.route('/cskh/webhook/zalo/<int:account_id>', type='http', auth='public', methods=['POST'],
                csrf=False, save_session=False)
    def cskh_webhook_zalo(self, account_id, **kwargs):
        """Zalo OA events, signed ``X-ZEvent-Signature: mac=sha256(app id + body + timestamp
        + OA secret key)`` where the timestamp is the event's own ``timestamp`` field."""
        account = self._get_account(account_id, 'zalo_oa')
        raw_body = self._read_body()
        payload = self._load_json(raw_body) if raw_body is not None else None
        timestamp = payload.get('timestamp') if isinstance(payload, dict) else None
        signature = request.httprequest.headers.get('X-ZEvent-Signature')
        if not account or payload is None or not account._check_zalo_signature(raw_body, timestamp, signature):
            _logger.info("Zalo webhook refused for channel account %s", account_id)
            return self._forbidden()
        Event = request.env['cskh.channel.event'].sudo()
        Event._store_events(account, Event._parse_zalo_payload(account, payload))
        return self._ok()

    @http.route('/cskh/webhook/facebook/<int:account_id>', type='http', auth='public', methods=['GET'],
                csrf=False, save_session=False)
    def cskh_webhook_facebook_verify(self, account_id, **kwargs):
        """Meta's verification of the callback URL: echo ``hub.challenge`` when
        ``hub.verify_token`` is the account's verify token."""
        account = self._get_account(account_id, 'facebook_page')
        if (not account or kwargs.get('hub.mode') != 'subscribe'
                or not account._check_facebook_verify_token(kwargs.get('hub.verify_token') or '')):
            return self._forbidden()
        return self._ok(kwargs.get('hub.challenge') or '')

    @http.route('/cskh/webhook/facebook/<int:account_id>', type='http', auth='public', methods=['POST'],
                csrf=False, save_session=False)
    def cskh_webhook_facebook(self, account_id, **kwargs):
        """Messenger events, signed ``X-Hub-Signature-256: sha256=HMAC-SHA256(app secret, body)``."""
        account = self._get_account(account_id, 'facebook_page')
        raw_body = self._read_body()
        signature = request.httprequest.headers.get('X-Hub-Signature-256')
        if not account or raw_body is None or not account._check_facebook_signature(raw_body, signature):
            _logger.info("Facebook webhook refused for channel account %s", account_id)
            return self._forbidden()
        payload = self._load_json(raw_body)
        Event = request.env['cskh.channel.event'].sudo()
        Event._store_events(account, Event._parse_facebook_payload(account, payload))
        return self._ok('EVENT_RECEIVED')

    @staticmethod
    def _load_json(raw_body):
        try:
            return json.loads(raw_body)
        except ValueError:
            return None
