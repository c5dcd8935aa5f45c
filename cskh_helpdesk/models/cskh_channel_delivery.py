import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import html2plaintext

from odoo.addons.mail.tools.discuss import Store

from .cskh_channel_account import ChannelProviderError
from .utils import lock_next_batch, run_cron_batches

_logger = logging.getLogger(__name__)

# an answer is tried this many times in all, after 1, 2, 4, 8 minutes, then the assignee is told
MAX_DELIVERY_ATTEMPTS = 5
# Facebook: free answers within 24 hours of the customer's last message, answers of a
# human agent (HUMAN_AGENT tag) within 7 days, nothing later
FACEBOOK_RESPONSE_WINDOW = timedelta(hours=24)
FACEBOOK_HUMAN_AGENT_WINDOW = timedelta(days=7)
# longest text message both APIs take (Zalo and Messenger: 2000 characters)
MAX_TEXT_LENGTH = 2000


class CskhChannelDelivery(models.Model):
    """Outbound queue: an agent's answer on a Zalo or Facebook ticket, to send through
    the provider's API instead of an email (see ``cskh.ticket._channel_queue_delivery``).
    Sent by ``_cron_send`` after the answer is committed; a failure is retried with a
    growing delay, and the assignee gets an activity after the last try."""
    _name = 'cskh.channel.delivery'
    _description = "Helpdesk Channel Delivery"
    _order = 'id desc'

    ticket_id = fields.Many2one('cskh.ticket', required=True, ondelete='cascade', index=True)
    account_id = fields.Many2one(
        'cskh.channel.account', string="Channel Account", required=True, ondelete='cascade')
    message_id = fields.Many2one('mail.message', required=True, ondelete='cascade', index=True)
    recipient_id = fields.Char("Recipient ID", required=True, help="The customer's id on the platform.")
    state = fields.Selection([
        ('queued', "Queued"),
        ('sent', "Sent"),
        ('failed', "Failed"),
    ], string="Delivery", default='queued', required=True)
    attempt_count = fields.Integer("Attempts", readonly=True)
    # text and attachments already delivered: a retry resumes after them
    parts_sent = fields.Integer(readonly=True)
    next_attempt_date = fields.Datetime("Next Attempt", readonly=True)
    date_sent = fields.Datetime("Sent on", readonly=True)
    provider_message_id = fields.Char("Provider Message ID", readonly=True)
    error = fields.Text("Provider Error", readonly=True)
    preview = fields.Char("Answer", compute='_compute_preview')

    _queued_idx = models.Index("(id) WHERE state = 'queued'")

    @api.depends('message_id.body')
    def _compute_preview(self):
        for delivery in self:
            delivery.preview = html2plaintext(delivery.sudo().message_id.body or '')[:120]

    # ------------------------------------------------------------
    # Cron
    # ------------------------------------------------------------

    @api.model
    def _get_sendable_domain(self):
        return Domain('state', '=', 'queued') & (
            Domain('next_attempt_date', '=', False) | Domain('next_attempt_date', '<=', fields.Datetime.now()))

    @api.model
    def _cron_send(self, batch_size=50):
        """Send the queued answers, in batches locked with ``SKIP LOCKED`` and committed
        through the cron progress API: an answer is sent by one worker only, and what a
        batch sent is committed before the next one starts."""
        domain = self._get_sendable_domain()
        run_cron_batches(
            self.env, self.search_count(domain),
            lambda: self._send_next_batch(domain, batch_size),
            lambda left: self._schedule_retry_wake_up())

    @api.model
    def _send_next_batch(self, domain, batch_size):
        deliveries = lock_next_batch(self, domain, 'id', batch_size)
        for delivery in deliveries.sudo():
            delivery._send()
        return len(deliveries)

    @api.model
    def _schedule_retry_wake_up(self):
        retry = self.search_fetch(
            [('state', '=', 'queued'), ('next_attempt_date', '!=', False)], ['next_attempt_date'],
            order='next_attempt_date', limit=1)
        if retry:
            self._get_send_cron()._trigger(at=retry.next_attempt_date)

    @api.model
    def _get_send_cron(self):
        return self.env.ref('cskh_helpdesk.cskh_channel_delivery_cron_send').sudo()

    # ------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------

    def _send(self):
        """Send the answer's text, then each attachment, as separate messages."""
        self.ensure_one()
        try:
            messaging = self._get_facebook_messaging() if self.account_id.provider == 'facebook_page' else None
            parts = self._get_parts()
            for index in range(self.parts_sent, len(parts)):
                provider_id = self._send_part(parts[index], messaging)
                self.write({'parts_sent': index + 1, 'provider_message_id': provider_id or self.provider_message_id})
        except ChannelProviderError as error:
            self._record_failure(error)
        else:
            self.write({'state': 'sent', 'date_sent': fields.Datetime.now(), 'error': False, 'next_attempt_date': False})
        self._bus_send_state()

    def _bus_send_state(self):
        """Update the state shown under the answer in its author's open chatter."""
        message = self.message_id
        user = message.author_id.main_user_id
        if user and not user.share:
            Store(bus_channel=user).add(
                message, [{'cskh_channel_delivery': message._cskh_get_channel_delivery_data()}]).bus_send()

    def _get_parts(self):
        """What to send: the plain text of the answer (if any, in messages of at most
        ``MAX_TEXT_LENGTH`` characters), then its attachments."""
        message = self.message_id
        text = html2plaintext(message.body or '').strip()
        return self._split_text(text) + list(message.attachment_ids.sorted('id'))

    @api.model
    def _split_text(self, text):
        """``text`` cut in pieces the providers accept, at line breaks when possible."""
        pieces = []
        while len(text) > MAX_TEXT_LENGTH:
            cut = text.rfind('\n', 0, MAX_TEXT_LENGTH)
            if cut <= 0:
                cut = text.rfind(' ', 0, MAX_TEXT_LENGTH)
            if cut <= 0:
                cut = MAX_TEXT_LENGTH
            pieces.append(text[:cut].strip())
            text = text[cut:].strip()
        return pieces + ([text] if text else [])

    def _send_part(self, part, messaging):
        account = self.account_id
        if account.provider == 'zalo_oa':
            if isinstance(part, str):
                return account._zalo_send_text(self.recipient_id, part)
            return account._zalo_send_attachment(self.recipient_id, part)
        if isinstance(part, str):
            return account._facebook_send_text(self.recipient_id, part, messaging)
        return account._facebook_send_attachment(self.recipient_id, part, messaging)

    def _get_facebook_messaging(self):
        """Messenger's policy: a standard answer (RESPONSE) within 24 hours of the customer's
        last message, an answer tagged HUMAN_AGENT within 7 days, none later."""
        last_inbound = self.ticket_id.channel_last_inbound_date
        age = fields.Datetime.now() - last_inbound if last_inbound else FACEBOOK_HUMAN_AGENT_WINDOW * 2
        if age <= FACEBOOK_RESPONSE_WINDOW:
            return {'messaging_type': 'RESPONSE'}
        if age <= FACEBOOK_HUMAN_AGENT_WINDOW:
            return {'messaging_type': 'MESSAGE_TAG', 'tag': 'HUMAN_AGENT'}
        raise ChannelProviderError(
            "The customer's last message is older than 7 days: Messenger does not allow an answer.",
            retryable=False)

    def _record_failure(self, error):
        attempts = self.attempt_count + 1
        _logger.info("Channel delivery %s failed (attempt %s): %s", self.id, attempts, error)
        values = {'attempt_count': attempts, 'error': str(error)}
        if attempts >= MAX_DELIVERY_ATTEMPTS or not error.retryable:
            values.update(state='failed', next_attempt_date=False)
            self.write(values)
            self._notify_failure()
        else:
            values['next_attempt_date'] = fields.Datetime.now() + timedelta(minutes=2 ** (attempts - 1))
            self.write(values)

    def _notify_failure(self):
        """Tell the assignee (or the team leader) that the customer did not get the answer."""
        ticket = self.ticket_id
        user = ticket.user_id or ticket.team_id.leader_id
        if not user:
            return
        ticket = ticket._with_user_lang(user)
        ticket.activity_schedule(
            'mail.mail_activity_data_todo', user_id=user.id,
            summary=ticket.env._("Answer not delivered on %(channel)s", channel=self.account_id.name),
            note=ticket.env._("The provider refused the answer: %(error)s", error=self.error))

    def action_retry(self):
        """Try again now (after the cause, e.g. an expired token, was fixed)."""
        self.filtered(lambda delivery: delivery.state == 'failed').write(
            {'state': 'queued', 'attempt_count': 0, 'next_attempt_date': False})
        self._get_send_cron()._trigger()
