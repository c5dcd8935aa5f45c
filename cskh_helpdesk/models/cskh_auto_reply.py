import re
import unicodedata

from odoo import api, fields, models, tools


def normalize_text(text):
    """Lower-case ``text`` and strip its accents so that matching ignores them.

    Vietnamese relies on combining marks ("mật khẩu" → "mat khau") plus the stroked
    letter đ/Đ, which has no decomposition and is mapped by hand.
    """
    if not text:
        return ''
    text = text.replace('đ', 'd').replace('Đ', 'D')
    decomposed = unicodedata.normalize('NFKD', text)
    stripped = ''.join(char for char in decomposed if not unicodedata.combining(char))
    return ' '.join(stripped.casefold().split())


class CskhAutoReply(models.Model):
    _name = 'cskh.auto.reply'
    _description = "Helpdesk Auto-Reply Rule"
    _order = 'sequence, id'

    # enough text to find keywords, without parsing multi-megabyte bodies
    _MATCH_MAX_BODY = 100_000

    active = fields.Boolean(default=True)
    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    team_ids = fields.Many2many(
        'cskh.team', string="Teams",
        help="Teams whose new tickets are checked against this rule. Empty: all teams.")
    keywords = fields.Char(
        required=True,
        help="Comma-separated words or phrases looked for in the subject and the body of new "
             "tickets, ignoring case and accents: \"mat khau\" matches \"Mật khẩu\".")
    template_id = fields.Many2one(
        'mail.template', string="Answer", domain=[('model', '=', 'cskh.ticket')],
        help="Email sent to the customer when the rule matches.")
    faq_id = fields.Many2one(
        'cskh.faq', string="Answer with Article", domain=[('is_published', '=', True)],
        help="Published knowledge base article sent to the customer (its text and a link to it) "
             "instead of the email template.")
    stage_id = fields.Many2one(
        'cskh.stage', string="Move to Stage",
        help="Optional stage the ticket is moved to, e.g. Solved when the answer is enough.")
    tag_ids = fields.Many2many('cskh.tag', string="Tags", help="Tags added to matching tickets.")

    def _get_keywords(self):
        """Normalized keywords of the rule."""
        self.ensure_one()
        return [kw for kw in (normalize_text(part) for part in (self.keywords or '').split(',')) if kw]

    @api.model
    def _match_keywords(self, keywords, normalized_text):
        """Whether one of ``keywords`` (normalized) appears as whole words in ``normalized_text``."""
        return any(
            re.search(r'(?<!\w)' + re.escape(keyword) + r'(?!\w)', normalized_text)
            for keyword in keywords)

    @api.model
    def _get_ticket_text(self, ticket):
        """Normalized subject and body of ``ticket``, the text the rules look into."""
        body = tools.html2plaintext((ticket.description or '')[:self._MATCH_MAX_BODY])
        return normalize_text(f"{ticket.name or ''}\n{body}")

    @api.model
    def _find_rule(self, ticket):
        """The first rule (by sequence) of the ticket's team matching the ticket, if any."""
        rules = self._get_team_rules(ticket.team_id.id)
        if not rules:
            return self.browse()
        text = self._get_ticket_text(ticket)
        return next((self.browse(rule_id) for rule_id, keywords in rules
                     if self._match_keywords(keywords, text)), self.browse())

    @api.model
    @tools.ormcache('team_id')
    def _get_team_rules(self, team_id):
        """The active rules of the team ``team_id`` (or of every team), in order, with
        their normalized keywords: ((rule id, keywords), ...). Every new ticket looks
        its rules up: they are cached until a rule changes (``create``, ``write``,
        ``unlink`` clear the cache, in every worker)."""
        rules = self.sudo().search_fetch([
            '|', ('team_ids', '=', False), ('team_ids', 'in', [team_id] if team_id else []),
        ], ['keywords'])
        return tuple((rule.id, tuple(rule._get_keywords())) for rule in rules)

    @api.model_create_multi
    def create(self, vals_list):
        rules = super().create(vals_list)
        self.env.registry.clear_cache()  # _get_team_rules
        return rules

    def write(self, vals):
        res = super().write(vals)
        self.env.registry.clear_cache()  # _get_team_rules
        return res

    def unlink(self):
        res = super().unlink()
        self.env.registry.clear_cache()  # _get_team_rules
        return res
