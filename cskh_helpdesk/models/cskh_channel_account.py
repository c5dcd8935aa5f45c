import hashlib
import hmac
import json
import logging
from datetime import timedelta

import requests

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

CHANNEL_PROVIDERS = [
    ('zalo_oa', "Zalo Official Account"),
    ('facebook_page', "Facebook Page"),
]
# ticket channel and webhook path segment of each provider
PROVIDER_TICKET_CHANNELS = {'zalo_oa': 'zalo', 'facebook_page': 'facebook'}
PROVIDER_WEBHOOK_PATHS = {'zalo_oa': 'zalo', 'facebook_page': 'facebook'}

# providers must answer quickly: a slow call holds a cron worker, never a webhook
REQUEST_TIMEOUT = 15
# a Zalo access token lives 25 hours: refreshed when less than this is left
ZALO_TOKEN_REFRESH_MARGIN = timedelta(hours=2)


class ChannelProviderError(Exception):
    """A provider API refused or failed a call. ``retryable`` is False when trying again
    cannot help (e.g. outside Facebook's messaging window)."""

    def __init__(self, message, retryable=True):
        super().__init__(message)
        self.retryable = retryable


class CskhChannelAccount(models.Model):
    """A Zalo Official Account or Facebook Page connected to a helpdesk team: its
    messages become tickets of the team (``cskh.channel.event``) and the agents'
    answers go back through the provider's send API (``cskh.channel.delivery``).

    The provider API calls live here, one ``_<provider>_*`` method per call, at the
    account's configurable base URLs (the public hosts by default)."""
    _name = 'cskh.channel.account'
    _description = "Helpdesk Channel Account"
    _order = 'sequence, id'
    _check_company_auto = True

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    provider = fields.Selection(CHANNEL_PROVIDERS, required=True, default='zalo_oa')
    company_id = fields.Many2one(
        'res.company', required=True, default=lambda self: self.env.company, index=True)
    team_id = fields.Many2one(
        'cskh.team', required=True, check_company=True, ondelete='restrict',
        help="Team receiving the tickets of this account's conversations.")
    reopen_days = fields.Integer(
        "Reopen Window (days)", default=7,
        help="A new message of a customer whose last ticket was closed less than this many days ago "
             "goes to that ticket (reopened as for an email reply); later, it starts a new ticket.")
    attachment_max_size = fields.Integer(
        "Max Attachment Size (MB)", default=25,
        help="Larger images and files sent by customers are not downloaded; the message says so.")
    webhook_url = fields.Char(
        "Webhook URL", compute='_compute_webhook_url',
        help="Paste this address in the provider's developer console (webhook / callback URL).")
    # ---- Zalo Official Account ----
    zalo_app_id = fields.Char("Zalo App ID")
    zalo_oa_id = fields.Char("Zalo OA ID")
    zalo_app_secret_key = fields.Char(
        groups='base.group_system', copy=False,
        help="Secret key of the Zalo app (App settings), used to refresh the access token.")
    zalo_oa_secret_key = fields.Char(
        "Zalo OA Secret Key", groups='base.group_system', copy=False,
        help="OA secret key of the app's Webhook page, used to check the events' signatures.")
    zalo_access_token = fields.Char(groups='base.group_system', copy=False)
    zalo_refresh_token = fields.Char(groups='base.group_system', copy=False)
    zalo_token_expiry = fields.Datetime(copy=False, readonly=True)
    zalo_api_url = fields.Char("Zalo API URL", required=True, default='https://openapi.zalo.me')
    zalo_oauth_url = fields.Char("Zalo OAuth URL", required=True, default='https://oauth.zaloapp.com')
    # ---- Facebook Page ----
    facebook_page_id = fields.Char("Facebook Page ID")
    facebook_page_access_token = fields.Char("Page Access Token", groups='base.group_system', copy=False)
    facebook_app_secret = fields.Char(
        groups='base.group_system', copy=False,
        help="Secret of the Meta app, used to check the events' signatures (X-Hub-Signature-256).")
    facebook_verify_token = fields.Char(
        "Verify Token", groups='base.group_system', copy=False,
        help="Any secret text: the same in the Meta app's webhook settings, to confirm the callback URL.")
    facebook_api_url = fields.Char(
        "Graph API URL", required=True, default='https://graph.facebook.com/v19.0')

    @api.depends('provider')
    def _compute_webhook_url(self):
        for account in self:
            if not account.id:
                account.webhook_url = False
                continue
            path = PROVIDER_WEBHOOK_PATHS[account.provider]
            account.webhook_url = f"{account.get_base_url()}/cskh/webhook/{path}/{account.id}"

    def _get_ticket_channel(self):
        self.ensure_one()
        return PROVIDER_TICKET_CHANNELS[self.provider]

    # ------------------------------------------------------------
    # Webhook signatures
    # ------------------------------------------------------------

    def _check_zalo_signature(self, raw_body, timestamp, header):
        """Zalo's ``X-ZEvent-Signature: mac=<sha256(app_id + body + timestamp + OA secret key)>``,
        ``timestamp`` being the event's own ``timestamp`` field."""
        self.ensure_one()
        account = self.sudo()
        if not (account.zalo_app_id and account.zalo_oa_secret_key and header and timestamp):
            return False
        data = account.zalo_app_id.encode() + raw_body + str(timestamp).encode() + account.zalo_oa_secret_key.encode()
        expected = 'mac=' + hashlib.sha256(data).hexdigest()
        return hmac.compare_digest(expected.encode(), header.strip().encode())

    def _check_facebook_signature(self, raw_body, header):
        """Meta's ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>``."""
        self.ensure_one()
        secret = self.sudo().facebook_app_secret
        if not (secret and header):
            return False
        expected = 'sha256=' + hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected.encode(), header.strip().encode())

    def _check_facebook_verify_token(self, token):
        self.ensure_one()
        expected = self.sudo().facebook_verify_token
        return bool(expected and token) and hmac.compare_digest(expected.encode(), token.encode())

    # ------------------------------------------------------------
    # Provider API calls
    # ------------------------------------------------------------

    def _provider_request(self, method, url, **kwargs):
        """One call to a provider API: its JSON answer, or ChannelProviderError. The URL
        and the headers may carry a token: neither is ever logged nor put in the error."""
        try:
            response = requests.request(method, url, timeout=REQUEST_TIMEOUT, **kwargs)
        except requests.RequestException as error:
            raise ChannelProviderError(f"Connection failed: {type(error).__name__}") from None
        try:
            data = response.json()
        except ValueError:
            data = {}
        if response.status_code >= 400 or not isinstance(data, dict):
            error = data.get('error') if isinstance(data, dict) else None
            detail = error.get('message') if isinstance(error, dict) else data.get('message') if isinstance(data, dict) else None
            raise ChannelProviderError(f"HTTP {response.status_code}: {detail or response.reason}")
        return data

    def _zalo_request(self, method, path, **kwargs):
        """Zalo OA Open API call with the access token (refreshed first when it is about to expire).
        Zalo answers HTTP 200 with ``error`` != 0 for refused calls."""
        headers = dict(kwargs.pop('headers', {}), access_token=self._zalo_get_access_token())
        data = self._provider_request(method, self.zalo_api_url.rstrip('/') + path, headers=headers, **kwargs)
        if data.get('error'):
            raise ChannelProviderError(f"Zalo error {data['error']}: {data.get('message') or ''}".strip())
        return data

    def _zalo_get_access_token(self):
        """The OA access token, refreshed first when it is about to expire. The refresh is
        committed in a transaction of its own, the account row locked: Zalo's refresh
        tokens work once, so a new pair must survive a rollback of the caller's batch,
        and two workers must not both spend the same refresh token."""
        self.ensure_one()
        account = self.sudo()
        token = account.zalo_access_token
        if account._zalo_token_needs_refresh():
            with self.env.registry.cursor() as cr:
                fresh = account.with_env(account.env(cr=cr))
                cr.execute(SQL("SELECT id FROM cskh_channel_account WHERE id = %s FOR NO KEY UPDATE", account.id))
                if fresh._zalo_token_needs_refresh():
                    fresh._zalo_refresh_access_token()
                token = fresh.zalo_access_token
        if not token:
            raise ChannelProviderError("No Zalo access token: connect the OA first.", retryable=False)
        return token

    def _zalo_token_needs_refresh(self):
        expiry = self.zalo_token_expiry
        return bool(self.zalo_refresh_token) and (
            not expiry or expiry - ZALO_TOKEN_REFRESH_MARGIN <= fields.Datetime.now())

    def _zalo_refresh_access_token(self):
        """OAuth v4 refresh of the OA access token. Zalo's refresh tokens are single-use:
        the new pair is written at once, the caller commits it with its batch."""
        self.ensure_one()
        account = self.sudo()
        data = self._provider_request(
            'POST', account.zalo_oauth_url.rstrip('/') + '/v4/oa/access_token',
            headers={'secret_key': account.zalo_app_secret_key or ''},
            data={'refresh_token': account.zalo_refresh_token, 'app_id': account.zalo_app_id,
                  'grant_type': 'refresh_token'})
        if not data.get('access_token'):
            raise ChannelProviderError(
                f"Zalo token refresh refused: {data.get('error_name') or data.get('error') or 'no token'}")
        account.write({
            'zalo_access_token': data['access_token'],
            'zalo_refresh_token': data.get('refresh_token') or account.zalo_refresh_token,
            'zalo_token_expiry': fields.Datetime.now() + timedelta(seconds=int(data.get('expires_in') or 3600)),
        })
        _logger.info("Zalo access token of channel account %s refreshed", account.id)

    def _zalo_send_text(self, user_id, text):
        data = self._zalo_request('POST', '/v3.0/oa/message/cs', json={
            'recipient': {'user_id': user_id}, 'message': {'text': text}})
        return (data.get('data') or {}).get('message_id')

    def _zalo_send_attachment(self, user_id, attachment):
        """Images are sent as a media template, other files as a file message, each
        uploaded first (Zalo sends no file by URL)."""
        files = {'file': (attachment.name, attachment.raw, attachment.mimetype)}
        if attachment.mimetype.startswith('image/'):
            upload = self._zalo_request('POST', '/v2.0/oa/upload/image', files=files)
            message = {'attachment': {'type': 'template', 'payload': {
                'template_type': 'media',
                'elements': [{'media_type': 'image', 'attachment_id': upload['data']['attachment_id']}],
            }}}
        else:
            upload = self._zalo_request('POST', '/v2.0/oa/upload/file', files=files)
            message = {'attachment': {'type': 'file', 'payload': {'token': upload['data']['token']}}}
        data = self._zalo_request('POST', '/v3.0/oa/message/cs', json={
            'recipient': {'user_id': user_id}, 'message': message})
        return (data.get('data') or {}).get('message_id')

    def _zalo_get_user_name(self, user_id):
        data = self._zalo_request('GET', '/v3.0/oa/user/detail', params={'data': json.dumps({'user_id': user_id})})
        return (data.get('data') or {}).get('display_name')

    def _facebook_request(self, method, path, **kwargs):
        account = self.sudo()
        if not account.facebook_page_access_token:
            raise ChannelProviderError("No page access token.", retryable=False)
        params = dict(kwargs.pop('params', {}), access_token=account.facebook_page_access_token)
        return self._provider_request(method, account.facebook_api_url.rstrip('/') + path, params=params, **kwargs)

    def _facebook_send_text(self, psid, text, messaging):
        data = self._facebook_request('POST', f'/{self.facebook_page_id}/messages', json={
            'recipient': {'id': psid}, 'message': {'text': text}, **messaging})
        return data.get('message_id')

    def _facebook_send_attachment(self, psid, attachment, messaging):
        kind = 'image' if attachment.mimetype.startswith('image/') else 'file'
        form = {
            'recipient': json.dumps({'id': psid}),
            'message': json.dumps({'attachment': {'type': kind, 'payload': {'is_reusable': False}}}),
            **messaging,
        }
        data = self._facebook_request(
            'POST', f'/{self.facebook_page_id}/messages', data=form,
            files={'filedata': (attachment.name, attachment.raw, attachment.mimetype)})
        return data.get('message_id')

    def _facebook_get_user_name(self, psid):
        data = self._facebook_request('GET', f'/{psid}', params={'fields': 'first_name,last_name'})
        return ' '.join(filter(None, (data.get('first_name'), data.get('last_name'))))

    def _get_sender_name(self, sender_id):
        """Display name of a platform user, from the provider's profile API; a neutral
        name when the provider does not give it (privacy settings, missing permission)."""
        self.ensure_one()
        try:
            name = (self._zalo_get_user_name(sender_id) if self.provider == 'zalo_oa'
                    else self._facebook_get_user_name(sender_id))
        except ChannelProviderError as error:
            _logger.info("Channel account %s: no profile for a sender (%s)", self.id, error)
            name = False
        provider = dict(self._fields['provider']._description_selection(self.env))[self.provider]
        return name or self.env._("%(provider)s user %(id)s", provider=provider, id=sender_id[-6:])

    def _download_attachment(self, url):
        """Content of a file sent by a customer, or None when it is larger than the
        account's limit or cannot be fetched. Read in chunks: a large file is never
        held in memory whole."""
        self.ensure_one()
        if not url or not url.startswith(('https://', 'http://')):
            return None
        limit = self.attachment_max_size * 1024 * 1024
        try:
            with requests.get(url, stream=True, timeout=REQUEST_TIMEOUT) as response:
                response.raise_for_status()
                content = b''
                for chunk in response.iter_content(64 * 1024):
                    content += chunk
                    if len(content) > limit:
                        return None
                return content
        except requests.RequestException as error:
            raise ChannelProviderError(f"Download failed: {type(error).__name__}") from None

    # ------------------------------------------------------------
    # Actions and crons
    # ------------------------------------------------------------

    def action_test_connection(self):
        """Check the credentials with a harmless call (the OA's or the page's name)."""
        self.ensure_one()
        try:
            if self.provider == 'zalo_oa':
                data = self._zalo_request('GET', '/v2.0/oa/getoa')
                name = (data.get('data') or {}).get('name')
            else:
                name = self._facebook_request('GET', f'/{self.facebook_page_id}', params={'fields': 'name'}).get('name')
        except ChannelProviderError as error:
            raise UserError(self.env._("The provider refused the connection: %(error)s", error=error)) from None
        return self._notify_action(self.env._("Connected to %(name)s.", name=name or self.name))

    def action_facebook_subscribe_page(self):
        """Subscribe the app to the page's messages (what "Add subscriptions" does in the
        Meta app dashboard), so that Messenger calls the webhook."""
        self.ensure_one()
        try:
            data = self._facebook_request(
                'POST', f'/{self.facebook_page_id}/subscribed_apps', params={'subscribed_fields': 'messages'})
        except ChannelProviderError as error:
            raise UserError(self.env._("Facebook refused the subscription: %(error)s", error=error)) from None
        if not data.get('success'):
            raise UserError(self.env._("Facebook did not confirm the subscription."))
        return self._notify_action(self.env._("The page's messages now reach this helpdesk."))

    def _notify_action(self, message):
        return {
            'type': 'ir.actions.client',
            'tag': 'display_notification',
            'params': {'message': message, 'type': 'success', 'sticky': False},
        }

    def action_view_tickets(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('cskh_helpdesk.cskh_ticket_action')
        action['domain'] = [('channel_account_id', '=', self.id)]
        action['context'] = {}
        return action

    @api.model
    def _cron_refresh_zalo_tokens(self):
        """Refresh the Zalo access tokens expiring soon, one account per commit (a refresh
        token works once: a new pair must never be lost in a rolled back batch)."""
        accounts = self.sudo().search([
            ('provider', '=', 'zalo_oa'), ('zalo_refresh_token', '!=', False), '|',
            ('zalo_token_expiry', '=', False),
            ('zalo_token_expiry', '<=', fields.Datetime.now() + ZALO_TOKEN_REFRESH_MARGIN),
        ])
        Cron = self.env['ir.cron']
        Cron._commit_progress(remaining=len(accounts))
        for account in accounts:
            try:
                account._zalo_refresh_access_token()
            except ChannelProviderError as error:
                _logger.warning("Channel account %s: Zalo token refresh failed (%s)", account.id, error)
            if not Cron._commit_progress(1):
                return
