from odoo import api, fields, models


class CskhTicket(models.Model):
    """Tickets of Zalo and Facebook conversations: the customer's messages come from the
    webhooks (``cskh.channel.event``), the agents' answers go back through the provider
    (``cskh.channel.delivery``) instead of an email. Internal notes stay in Odoo."""
    _inherit = 'cskh.ticket'

    # ---- Channels ----
    channel_account_id = fields.Many2one(
        'cskh.channel.account', string="Channel Account", readonly=True, copy=False, index='btree_not_null',
        help="Zalo OA or Facebook Page of the conversation: answers are sent back through it.")
    channel_user_id = fields.Char(
        "Channel User ID", readonly=True, copy=False, groups='cskh_helpdesk.cskh_helpdesk_group_agent',
        help="The customer's id on the platform, recipient of the answers.")
    channel_last_inbound_date = fields.Datetime(
        "Last Customer Message", readonly=True, copy=False,
        help="When the customer last wrote on the channel (Messenger's answer windows count from it).")
    channel_delivery_ids = fields.One2many(
        'cskh.channel.delivery', 'ticket_id', string="Channel Deliveries", copy=False)
    channel_delivery_failed_count = fields.Integer(
        "Failed Deliveries", compute='_compute_channel_delivery_failed_count')

    # the conversation's last ticket, looked up for every incoming message
    _channel_conversation_idx = models.Index(
        '(channel_account_id, channel_user_id, id) WHERE channel_account_id IS NOT NULL')

    @api.depends('channel_delivery_ids.state')
    def _compute_channel_delivery_failed_count(self):
        failed = dict(self.env['cskh.channel.delivery']._read_group(
            [('ticket_id', 'in', self.ids), ('state', '=', 'failed')], ['ticket_id'], ['__count']))
        for ticket in self:
            ticket.channel_delivery_failed_count = failed.get(ticket, 0)

    # ------------------------------------------------------------
    # Mail gateway
    # ------------------------------------------------------------

    def _message_post_after_hook(self, message, msg_vals):
        """An agent's public answer on a channel ticket, or an automatic answer to its
        customer (acknowledgement, auto-reply, stage template), is queued for the provider."""
        if self.channel_account_id and (
                self._is_agent_public_reply(message, msg_vals) or self._is_channel_auto_answer(message, msg_vals)):
            self._channel_queue_delivery(message)
        return super()._message_post_after_hook(message, msg_vals)

    def _is_channel_auto_answer(self, message, msg_vals):
        if msg_vals.get('message_type', message.message_type) != 'auto_comment':
            return False
        return self.partner_id.id in msg_vals.get('partner_ids', message.partner_ids.ids)

    def _may_send_auto_email(self):
        """Automatic answers of a channel ticket go back on the channel, whether the customer
        has an email or not (the channel customer is never emailed, see ``_notify_get_recipients``)."""
        self.ensure_one()
        if self.channel_account_id and self.partner_id:
            return not self.env.context.get('cskh_mail_automatic') and self.channel_account_id.active
        return super()._may_send_auto_email()

    def _notify_get_recipients(self, message, msg_vals=False, **kwargs):
        """The customer of a channel ticket reads the answers in the app: no email."""
        recipients = super()._notify_get_recipients(message, msg_vals=msg_vals, **kwargs)
        if len(self) != 1 or not self.channel_account_id or not self.partner_id:
            return recipients
        return [data for data in recipients if not (data['id'] == self.partner_id.id and data['notif'] == 'email')]

    def _message_get_suggested_recipients_batch(self, reply_discussion=False, reply_message=None,
                                                no_create=True, primary_email=False, additional_partners=None):
        """The customer of a channel ticket is answered on the channel: not proposed as an
        email recipient (the composer would refuse to send for lack of an address)."""
        suggested = super()._message_get_suggested_recipients_batch(
            reply_discussion=reply_discussion, reply_message=reply_message, no_create=no_create,
            primary_email=primary_email, additional_partners=additional_partners)
        for ticket in self.filtered(lambda ticket: ticket.channel_account_id and ticket.partner_id):
            suggested[ticket.id] = [
                recipient for recipient in suggested.get(ticket.id, [])
                if recipient.get('partner_id') != ticket.partner_id.id
            ]
        return suggested

    def _channel_queue_delivery(self, message):
        """Queue ``message`` for the conversation's platform and wake the sending cron up
        (it sends after this transaction is committed, never an answer rolled back)."""
        self.ensure_one()
        ticket = self.sudo()
        if not (ticket.channel_account_id.active and ticket.channel_user_id):
            return
        self.env['cskh.channel.delivery'].sudo().create({
            'ticket_id': ticket.id,
            'account_id': ticket.channel_account_id.id,
            'message_id': message.id,
            'recipient_id': ticket.channel_user_id,
        })
        self.env['cskh.channel.delivery']._get_send_cron()._trigger()
