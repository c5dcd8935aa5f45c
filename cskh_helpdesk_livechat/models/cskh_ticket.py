from odoo import fields, models


class CskhTicket(models.Model):
    _inherit = 'cskh.ticket'

    origin_channel_id = fields.Many2one(
        'discuss.channel', string="Live Chat Session", index='btree_not_null', readonly=True, copy=False,
        help="Live chat conversation the ticket was created from (/ticket command).")
