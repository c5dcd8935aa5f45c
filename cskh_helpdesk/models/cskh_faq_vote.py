import hashlib
import hmac

from odoo import api, fields, models
from odoo.tools import SQL


class CskhFaqVote(models.Model):
    """One visitor's answer to "Was this helpful?" on one article. Visitors are not
    identified: ``visitor_key`` is a keyed hash of the user or of a random token kept in
    the visitor's session, so one visitor votes once per article, logged in or not."""
    _name = 'cskh.faq.vote'
    _description = "Knowledge Base Article Vote"
    _order = 'id desc'

    faq_id = fields.Many2one('cskh.faq', string="Article", required=True, index=True, ondelete='cascade')
    company_id = fields.Many2one(related='faq_id.company_id', store=True, index=True)
    visitor_key = fields.Char(required=True)
    is_helpful = fields.Boolean("Helpful")
    user_id = fields.Many2one('res.users', ondelete='set null')

    _visitor_unique = models.Constraint(
        'UNIQUE(faq_id, visitor_key)', "A visitor votes once per article.")

    @api.model
    def _get_visitor_key(self, identity):
        """Keyed hash of ``identity`` ("user:7", "session:<token>"): the votes keep no
        session token an attacker could replay."""
        secret = self.env['ir.config_parameter'].sudo().get_param('database.secret')
        return hmac.new(secret.encode(), identity.encode(), hashlib.sha256).hexdigest()

    @api.model
    def _cskh_vote(self, faq, visitor_key, is_helpful, user=None):
        """Record the vote unless this visitor already voted on ``faq``; count it on the
        article. Atomic (``ON CONFLICT``): two clicks at once count once.

        :return: whether the vote was counted
        """
        self.env.cr.execute(SQL(
            """INSERT INTO cskh_faq_vote (faq_id, company_id, visitor_key, is_helpful, user_id,
                                          create_uid, write_uid, create_date, write_date)
               VALUES (%s, %s, %s, %s, %s, %s, %s, now() at time zone 'UTC', now() at time zone 'UTC')
               ON CONFLICT (faq_id, visitor_key) DO NOTHING RETURNING id""",
            faq.id, faq.company_id.id, visitor_key, bool(is_helpful), user.id if user else None,
            self.env.uid, self.env.uid))
        if not self.env.cr.rowcount:
            return False
        faq._cskh_increment(('helpful_count' if is_helpful else 'not_helpful_count', 1))
        return True
