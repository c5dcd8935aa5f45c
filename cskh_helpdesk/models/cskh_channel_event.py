import json
import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote, urlsplit

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL, plaintext2html

from .cskh_channel_account import ChannelProviderError
from .utils import lock_next_batch, run_cron_batches

_logger = logging.getLogger(__name__)

# a failed event is tried again this many times in all, after 2, 4, 8... minutes
MAX_EVENT_ATTEMPTS = 5
# Zalo events that carry a customer's message (the others, e.g. follow or the OA's own
# messages, are acknowledged and dropped)
ZALO_MESSAGE_EVENTS = {
    'user_send_text', 'user_send_image', 'user_send_file', 'user_send_sticker', 'user_send_gif',
    'user_send_location', 'user_send_link', 'user_send_audio', 'user_send_video', 'user_send_business_card',
}
# processed events are kept this long: long enough to recognise any retry of the provider
EVENT_RETENTION_DAYS = 30
# partner field keeping each provider's id of a customer
PARTNER_ID_FIELDS = {'zalo_oa': 'cskh_zalo_user_id', 'facebook_page': 'cskh_facebook_psid'}


class CskhChannelEvent(models.Model):
    """Inbound queue of the channel webhooks: one row per customer message, stored as
    received (the provider gets its 200 within its time limit) and turned into a ticket
    message by ``_cron_process_events``. The provider's message id is unique per
    account: a delivery retried by the provider inserts nothing."""
    _name = 'cskh.channel.event'
    _description = "Helpdesk Channel Event"
    _order = 'id'

    account_id = fields.Many2one(
        'cskh.channel.account', string="Channel Account", required=True, ondelete='cascade', readonly=True)
    provider = fields.Selection(related='account_id.provider')
    provider_message_id = fields.Char("Provider Message ID", required=True, readonly=True)
    event_type = fields.Char("Event", readonly=True)
    sender_id = fields.Char("Sender ID", readonly=True, help="The customer's id on the platform.")
    event_date = fields.Datetime("Sent on", readonly=True)
    payload = fields.Json(readonly=True)
    state = fields.Selection([
        ('pending', "Pending"),
        ('done', "Done"),
        ('failed', "Failed"),
    ], string="Status", default='pending', required=True, readonly=True)
    attempt_count = fields.Integer("Attempts", readonly=True)
    next_attempt_date = fields.Datetime("Next Attempt", readonly=True)
    error = fields.Text(readonly=True)
    ticket_id = fields.Many2one('cskh.ticket', readonly=True, ondelete='set null')
    message_id = fields.Many2one('mail.message', readonly=True, ondelete='set null')

    _account_message_uniq = models.Constraint(
        'unique (account_id, provider_message_id)', "A provider message is stored once per account.")
    _pending_idx = models.Index("(id) WHERE state = 'pending'")

    # ------------------------------------------------------------
    # Webhook side: parse and store
    # ------------------------------------------------------------

    @api.model
    def _parse_zalo_payload(self, account, payload):
        """Queue values of a Zalo webhook body (one event per request): the customers'
        messages to this OA only."""
        if not isinstance(payload, dict) or payload.get('event_name') not in ZALO_MESSAGE_EVENTS:
            return []
        message = payload.get('message') or {}
        sender = str((payload.get('sender') or {}).get('id') or '')
        recipient = str((payload.get('recipient') or {}).get('id') or '')
        if not message.get('msg_id') or not sender or (account.zalo_oa_id and recipient != account.zalo_oa_id):
            return []
        return [{
            'provider_message_id': str(message['msg_id']),
            'event_type': payload['event_name'],
            'sender_id': sender,
            'event_date': self._timestamp_to_datetime(payload.get('timestamp')),
            'payload': payload,
        }]

    @api.model
    def _parse_facebook_payload(self, account, payload):
        """Queue values of a Messenger webhook body (batched entries): the messages sent
        to this account's page, not the page's own echoes nor delivery/read receipts."""
        if not isinstance(payload, dict) or payload.get('object') != 'page':
            return []
        values = []
        for entry in payload.get('entry') or []:
            if str(entry.get('id')) != (account.facebook_page_id or ''):
                continue
            for messaging in entry.get('messaging') or []:
                message = messaging.get('message') or {}
                sender = str((messaging.get('sender') or {}).get('id') or '')
                if not message.get('mid') or message.get('is_echo') or not sender:
                    continue
                values.append({
                    'provider_message_id': str(message['mid']),
                    'event_type': 'message',
                    'sender_id': sender,
                    'event_date': self._timestamp_to_datetime(messaging.get('timestamp')),
                    'payload': messaging,
                })
        return values

    @api.model
    def _timestamp_to_datetime(self, timestamp):
        """Providers stamp events in milliseconds since the epoch (Zalo as a string)."""
        try:
            return datetime.fromtimestamp(int(timestamp) / 1000, UTC).replace(tzinfo=None)
        except (TypeError, ValueError, OverflowError, OSError):
            return fields.Datetime.now()

    @api.model
    def _store_events(self, account, values_list):
        """Insert the events, skipping those already stored (provider retries), in one
        statement, and wake the processing cron up when something new arrived. Direct
        SQL: ``ON CONFLICT DO NOTHING`` is the only way two concurrent deliveries of the
        same message cannot both insert it nor fail. Returns the number of new events."""
        if not values_list:
            return 0
        rows = [SQL(
            "(%s, %s, %s, %s, %s, %s::jsonb, 'pending', 0, %s, %s, (now() at time zone 'UTC'), (now() at time zone 'UTC'))",
            account.id, values['provider_message_id'], values['event_type'], values['sender_id'],
            values['event_date'], json.dumps(values['payload']), self.env.uid, self.env.uid,
        ) for values in values_list]
        inserted = self.env.execute_query(SQL(
            """INSERT INTO cskh_channel_event (account_id, provider_message_id, event_type, sender_id,
                   event_date, payload, state, attempt_count, create_uid, write_uid, create_date, write_date)
               VALUES %s
               ON CONFLICT (account_id, provider_message_id) DO NOTHING
               RETURNING id""",
            SQL(", ").join(rows)))
        if inserted:
            self.env.ref('cskh_helpdesk.cskh_channel_event_cron_process').sudo()._trigger()
        return len(inserted)

    # ------------------------------------------------------------
    # Cron side: process
    # ------------------------------------------------------------

    @api.model
    def _get_processable_domain(self):
        now = fields.Datetime.now()
        return Domain('state', '=', 'pending') & (
            Domain('next_attempt_date', '=', False) | Domain('next_attempt_date', '<=', now))

    @api.model
    def _cron_process_events(self, batch_size=100):
        """Turn the queued messages into tickets and ticket messages.

        Batches of ``batch_size`` events locked with ``SKIP LOCKED`` (several workers
        never take the same event) and committed through the cron progress API with
        their tickets and messages: each event is processed exactly once. An event
        that fails is tried again later, at most ``MAX_EVENT_ATTEMPTS`` times."""
        domain = self._get_processable_domain()
        run_cron_batches(
            self.env, self.search_count(domain),
            lambda: self._process_next_batch(domain, batch_size),
            lambda left: self._schedule_retry_wake_up())

    @api.model
    def _process_next_batch(self, domain, batch_size):
        events = lock_next_batch(self, domain, 'id', batch_size)
        events._process()
        return len(events)

    @api.model
    def _schedule_retry_wake_up(self):
        retry = self.search_fetch(
            [('state', '=', 'pending'), ('next_attempt_date', '!=', False)], ['next_attempt_date'],
            order='next_attempt_date', limit=1)
        if retry:
            self.env.ref('cskh_helpdesk.cskh_channel_event_cron_process')._trigger(at=retry.next_attempt_date)

    def _process(self):
        """Process these events in order. The customers and their conversations' last
        tickets are looked up for the whole batch at once; each event then runs in a
        savepoint, so that one failing event leaves the others done."""
        events = self.sudo()
        partners = events._get_known_partners()
        tickets = events._get_last_tickets()
        for event in events:
            try:
                with self.env.cr.savepoint():
                    ticket, partner = event._process_one(partners, tickets)
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                raise
            except Exception as error:  # noqa: BLE001 a bad event must not block the queue
                event._record_failure(error)
                continue
            partners[event.provider, event.sender_id] = partner
            tickets[event.account_id.id, event.sender_id] = ticket
            # a rolled back savepoint drops the pending precommit work (tracking, the new
            # tickets' acknowledgements): run that of the events done so far
            self.env.cr.precommit.run()

    def _get_known_partners(self):
        """{(provider, platform user id): partner} of the senders of these events."""
        known = {}
        for provider, events in self.grouped('provider').items():
            fname = PARTNER_ID_FIELDS[provider]
            partners = self.env['res.partner'].with_context(active_test=False).search_fetch(
                [(fname, 'in', list(set(events.mapped('sender_id'))))], [fname], order='id')
            for partner in partners:
                known.setdefault((provider, partner[fname]), partner)
        return known

    def _get_last_tickets(self):
        """{(account id, platform user id): last ticket} of the senders of these events."""
        groups = self.env['cskh.ticket']._read_group(
            [('channel_account_id', 'in', self.account_id.ids), ('channel_user_id', 'in', list(set(self.mapped('sender_id'))))],
            ['channel_account_id', 'channel_user_id'], ['id:max'])
        Ticket = self.env['cskh.ticket']
        last = {(account.id, user_id): Ticket.browse(ticket_id) for account, user_id, ticket_id in groups}
        # one query for the state of them all
        Ticket.browse([ticket.id for ticket in last.values()]).fetch(['is_closed', 'date_closed', 'stage_id', 'team_id'])
        return last

    def _process_one(self, partners, tickets):
        """Post the customer's message on their open ticket, or on a new one; return
        (ticket, customer)."""
        self.ensure_one()
        account = self.account_id
        partner = partners.get((self.provider, self.sender_id)) or self._create_partner()
        body, attachments = self._prepare_message_content()
        ticket = self._get_conversation_ticket(tickets.get((account.id, self.sender_id)))
        if ticket:
            ticket._reopen_on_customer_reply()
        else:
            ticket = self.env['cskh.ticket'].create(self._prepare_ticket_values(partner, body))
        message = ticket.message_post(
            body=body, author_id=partner.id, message_type='comment', subtype_xmlid='mail.mt_comment',
            attachments=attachments)
        ticket.channel_last_inbound_date = self.event_date
        self.write({'state': 'done', 'ticket_id': ticket.id, 'message_id': message.id, 'error': False})
        return ticket, partner

    def _get_conversation_ticket(self, ticket):
        """The sender's last ticket if it is open or closed within the account's reopen window."""
        if not ticket or not ticket.exists():
            return self.env['cskh.ticket']
        if not ticket.is_closed:
            return ticket
        window = timedelta(days=self.account_id.reopen_days)
        if ticket.date_closed and ticket.date_closed >= fields.Datetime.now() - window:
            return ticket
        return self.env['cskh.ticket']

    def _create_partner(self):
        account = self.account_id
        partner = self.env['res.partner'].create({
            'name': account._get_sender_name(self.sender_id),
            PARTNER_ID_FIELDS[self.provider]: self.sender_id,
            'company_id': account.company_id.id,
        })
        return partner

    def _prepare_ticket_values(self, partner, body):
        account = self.account_id
        text = (self._get_message_text() or '').strip()
        subject = text.splitlines()[0][:80] if text else self.env._(
            "Message from %(name)s", name=partner.name)
        return {
            'name': subject,
            'description': body,
            'team_id': account.team_id.id,
            'company_id': account.company_id.id,
            'channel': account._get_ticket_channel(),
            'partner_id': partner.id,
            'channel_account_id': account.id,
            'channel_user_id': self.sender_id,
        }

    def _get_message_text(self):
        message = (self.payload or {}).get('message') or {}
        return message.get('text')

    def _get_message_attachments(self):
        """The attachments of the message as a list of (type, payload) pairs."""
        message = (self.payload or {}).get('message') or {}
        return [(item.get('type'), item.get('payload') or {}) for item in message.get('attachments') or []
                if isinstance(item, dict)]

    def _prepare_message_content(self):
        """(HTML body, [(file name, content)]) of the customer's message: text as is,
        images and files downloaded (within the account's size limit), stickers and
        locations as a short text."""
        texts = []
        text = self._get_message_text()
        if text:
            texts.append(plaintext2html(text))
        attachments = []
        for index, (kind, payload) in enumerate(self._get_message_attachments()):
            if kind == 'sticker' or payload.get('sticker_id'):
                texts.append(escape(self.env._("[Sticker]")))
            elif kind == 'location' or payload.get('coordinates'):
                texts.append(self._format_location(payload.get('coordinates') or {}))
            elif kind == 'link':
                url = payload.get('url') or ''
                link = Markup('<a href="%s" target="_blank">%s</a>') % (url, url)
                texts.append(link if url.startswith(('https://', 'http://')) else escape(url))
            elif payload.get('url'):
                name = self._get_attachment_name(kind, payload, index)
                content = self.account_id._download_attachment(payload['url'])
                if content is None:
                    texts.append(escape(self.env._(
                        "[File %(name)s not downloaded: larger than %(size)s MB]",
                        name=name, size=self.account_id.attachment_max_size)))
                else:
                    attachments.append((name, content))
        body = Markup('<br/>').join(texts) if texts else Markup('')
        if not texts and not attachments:
            body = escape(self.env._("[Unsupported message: %(type)s]", type=self.event_type))
        return body, attachments

    def _format_location(self, coordinates):
        lat = coordinates.get('latitude', coordinates.get('lat'))
        lng = coordinates.get('longitude', coordinates.get('long'))
        if lat is None or lng is None:
            return escape(self.env._("[Location]"))
        url = f"https://www.google.com/maps?q={float(lat)},{float(lng)}"
        return Markup('%s <a href="%s" target="_blank">%s, %s</a>') % (
            self.env._("[Location]"), url, lat, lng)

    def _get_attachment_name(self, kind, payload, index):
        if payload.get('name'):
            return payload['name']
        path_name = unquote(urlsplit(payload['url']).path.rsplit('/', 1)[-1])
        if path_name and '.' in path_name:
            return path_name
        extension = {'image': '.jpg', 'gif': '.gif', 'audio': '.mp3', 'video': '.mp4'}.get(kind, '')
        return f"{self.provider_message_id[-12:]}_{index}{extension}"

    def _record_failure(self, error):
        """Keep the error and try again later with a growing delay, or give up."""
        self.ensure_one()
        attempts = self.attempt_count + 1
        message = str(error) if isinstance(error, ChannelProviderError) else f"{type(error).__name__}: {error}"
        _logger.warning("Channel event %s failed (attempt %s): %s", self.id, attempts, message)
        values = {'attempt_count': attempts, 'error': message}
        if attempts >= MAX_EVENT_ATTEMPTS:
            values.update(state='failed', next_attempt_date=False)
        else:
            values['next_attempt_date'] = fields.Datetime.now() + timedelta(minutes=2 ** attempts)
        self.write(values)

    @api.autovacuum
    def _gc_done_events(self):
        """Forget the processed events once no provider retries them any more (their
        messages are on the tickets); failed ones stay for the managers to look at."""
        limit = fields.Datetime.now() - timedelta(days=EVENT_RETENTION_DAYS)
        self.sudo().search([('state', '=', 'done'), ('create_date', '<', limit)]).unlink()

    def action_retry(self):
        self.write({'state': 'pending', 'attempt_count': 0, 'next_attempt_date': False})
        self.env.ref('cskh_helpdesk.cskh_channel_event_cron_process').sudo()._trigger()
