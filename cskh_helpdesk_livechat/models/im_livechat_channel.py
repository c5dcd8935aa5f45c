from odoo import fields, models


class ImLivechatChannel(models.Model):
    _inherit = 'im_livechat.channel'

    cskh_team_id = fields.Many2one(
        'cskh.team', string="Helpdesk Team",
        help="Team of the tickets created with /ticket in this channel's conversations; "
             "empty: the default helpdesk team.")
