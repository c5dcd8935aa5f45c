from odoo import api, fields, models

from .cskh_faq import MAX_QUERY_LENGTH, fold_text

SEARCH_SOURCES = [
    ('portal', "Help Center"),
    ('form', "Ticket Form"),
    ('agent', "Agent"),
]


class CskhFaqSearchLog(models.Model):
    """One search of the knowledge base: what customers look for, and what they do not
    find (searches without result, grouped by their folded text in the reports)."""
    _name = 'cskh.faq.search.log'
    _description = "Knowledge Base Search"
    _order = 'id desc'
    _log_access = False

    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True, readonly=True)
    query = fields.Char("Search", required=True, readonly=True)
    query_normalized = fields.Char(
        "Normalized Search", index=True, readonly=True,
        help="The search without accents, case nor punctuation: the same question typed differently.")
    result_count = fields.Integer("Results", readonly=True)
    has_result = fields.Boolean(compute='_compute_has_result', store=True)
    first_faq_id = fields.Many2one('cskh.faq', string="First Result", readonly=True, ondelete='set null')
    source = fields.Selection(SEARCH_SOURCES, required=True, default='portal', readonly=True)
    company_id = fields.Many2one('res.company', required=True, index=True, readonly=True)

    @api.depends('result_count')
    def _compute_has_result(self):
        for log in self:
            log.has_result = bool(log.result_count)

    @api.model
    def _cskh_log(self, query, faqs, source, company):
        """Record a search of ``query`` which found ``faqs`` (sudo: visitors search)."""
        query = (query or '').strip()[:MAX_QUERY_LENGTH]
        if not query:
            return self
        return self.sudo().create({
            'query': query,
            'query_normalized': fold_text(query),
            'result_count': len(faqs),
            'first_faq_id': faqs[:1].id,
            'source': source,
            'company_id': company.id,
        })

    @api.autovacuum
    def _gc_old_searches(self):
        """Keep a year of searches: enough for the reports, not an ever-growing table."""
        self.search([('date', '<', fields.Datetime.subtract(fields.Datetime.now(), days=365))]).unlink()
