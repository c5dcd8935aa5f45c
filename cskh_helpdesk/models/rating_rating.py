from odoo import api, fields, models
from odoo.tools.sql import column_exists, create_column


class RatingRating(models.Model):
    _inherit = 'rating.rating'

    # The ticket a rating is about: record rules give the ratings of tickets the visibility
    # of their ticket through it (a rule cannot follow the generic res_model/res_id pair).
    # No groups: every employee creates ratings (precomputed in his name), and only those
    # who may read the ticket read its ratings.
    cskh_ticket_id = fields.Many2one(
        'cskh.ticket', string="Helpdesk Ticket", compute='_compute_cskh_ticket_id',
        store=True, precompute=True, index='btree_not_null', ondelete='cascade')

    def _auto_init(self):
        # no rating is about a ticket before the add-on is installed: create the column
        # empty instead of computing the field for every rating of the database
        if not column_exists(self.env.cr, 'rating_rating', 'cskh_ticket_id'):
            create_column(self.env.cr, 'rating_rating', 'cskh_ticket_id', 'int4')
        return super()._auto_init()

    @api.depends('res_model_id', 'res_id')
    def _compute_cskh_ticket_id(self):
        ticket_model_id = self.env['ir.model']._get_id('cskh.ticket')
        on_tickets = self.filtered(lambda rating: rating.res_model_id.id == ticket_model_id and rating.res_id)
        existing = set(self.env['cskh.ticket'].sudo().browse(on_tickets.mapped('res_id')).exists().ids)
        for rating in self:
            rating.cskh_ticket_id = rating.res_id if rating in on_tickets and rating.res_id in existing else False
