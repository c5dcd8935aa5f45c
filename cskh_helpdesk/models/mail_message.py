from odoo import fields, models

from odoo.addons.mail.tools.discuss import Store


class MailMessage(models.Model):
    _inherit = 'mail.message'

    cskh_channel_delivery_ids = fields.One2many(
        'cskh.channel.delivery', 'message_id', string="Channel Deliveries", export_string_translation=False)

    def _to_store_defaults(self, target):
        """The Zalo/Facebook delivery state of an answer on a ticket, for the chatter of
        internal users (customers never see the provider's errors)."""
        return super()._to_store_defaults(target) + [
            Store.Attr(
                'cskh_channel_delivery',
                value=lambda message: message._cskh_get_channel_delivery_data(),
                predicate=lambda message: message.model == 'cskh.ticket' and target.is_internal(self.env),
            ),
        ]

    def _cskh_get_channel_delivery_data(self):
        # sudo: mail.message - the delivery of a message the user reads; one query for all
        # the messages being formatted (prefetched one2many)
        delivery = self.sudo().cskh_channel_delivery_ids[:1]
        if not delivery:
            return False
        return {'state': delivery.state, 'error': delivery.error or False, 'channel': delivery.account_id.name}
