import logging
import re

import psycopg2
from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError
from odoo.fields import Domain
from odoo.tools import SQL, html2plaintext
from odoo.tools.sql import create_index

from .cskh_auto_reply import normalize_text

_logger = logging.getLogger(__name__)

# The help center's pages (controllers/faq.py)
FAQ_URL = '/cskh/faq'
# Relevance: a match in the title weighs this much more than one in the rest of the article.
TITLE_WEIGHT = 2.0
# pg_trgm word similarity an article needs to match a query: low enough for a typo in a
# short word ("bao hnah"), high enough to leave unrelated articles out.
WORD_SIMILARITY_THRESHOLD = 0.55
# Longest query looked for (characters of the folded text) and words of a ticket's
# description used to suggest articles to the agent.
MAX_QUERY_LENGTH = 200
TICKET_QUERY_WORDS = 20


def fold_text(text):
    """``text`` as the search compares it: lower case, no accents (đ → d), no
    punctuation, single spaces. "Bảo hành máy giặt!" → "bao hanh may giat"."""
    return ' '.join(re.sub(r'[\W_]+', ' ', normalize_text(text)).split())


class CskhFaq(models.Model):
    """An article of the knowledge base: a question and its answer, shown to customers
    on the help center once a manager published it, suggested while they fill in the
    ticket form, proposed to agents on the ticket and usable as an auto-reply."""
    _name = 'cskh.faq'
    _description = "Knowledge Base Article"
    _inherit = ['mail.thread', 'mail.activity.mixin']
    _order = 'sequence, id desc'
    _rec_name = 'title'
    _check_company_auto = True

    # Content
    title = fields.Char(required=True, translate=True, tracking=True)
    answer = fields.Html(translate=True, sanitize_overridable=True)
    category_id = fields.Many2one(
        'cskh.faq.category', index=True, check_company=True, tracking=True)
    keyword = fields.Char(
        "Keywords", translate=False,
        help="Other words customers use for this question (synonyms, product names, common "
             "misspellings); searched like the title.")
    team_ids = fields.Many2many(
        'cskh.team', string="Teams", check_company=True,
        help="Teams whose agents get this article suggested and whose forms propose it. Empty: all teams.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        'res.company', required=True, index=True, default=lambda self: self.env.company)
    ticket_id = fields.Many2one(
        'cskh.ticket', string="Created from Ticket", index='btree_not_null', ondelete='set null',
        check_company=True)
    url = fields.Char("Public Link", compute='_compute_url')
    # Publication and review (managers publish; agents write drafts)
    is_published = fields.Boolean("Published", copy=False, tracking=True)
    date_last_review = fields.Date("Last Reviewed", copy=False, tracking=True)
    # Audience measures, counted by the help center (SQL increments, no write access needed)
    view_count = fields.Integer("Views", readonly=True, copy=False)
    helpful_count = fields.Integer("Helpful", readonly=True, copy=False)
    not_helpful_count = fields.Integer("Not Helpful", readonly=True, copy=False)
    vote_ids = fields.One2many('cskh.faq.vote', 'faq_id', string="Votes")
    # Deflection on the ticket forms
    suggested_count = fields.Integer(
        "Suggested on Forms", readonly=True, copy=False,
        help="Times the ticket forms suggested this article to a customer typing a subject.")
    form_open_count = fields.Integer(
        "Opened from Forms", readonly=True, copy=False,
        help="Times a customer opened this article from a suggestion of the ticket form.")
    form_ticket_count = fields.Integer(
        "Tickets after Opening", readonly=True, copy=False,
        help="Tickets submitted anyway by customers who had opened this article from the form.")
    deflected_count = fields.Integer(
        "Tickets Avoided", readonly=True, copy=False,
        help="Approximation: customers who opened the article from the form and did not submit their ticket.")
    # Accent-folded text the search compares, in every installed language
    search_title = fields.Text(compute='_compute_search_text', store=True)
    search_text = fields.Text(compute='_compute_search_text', store=True)

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends('title')
    def _compute_url(self):
        IrHttp = self.env['ir.http']
        for faq in self:
            faq.url = f"{FAQ_URL}/article/{IrHttp._slug(faq)}" if faq.id else False

    @api.depends('title', 'answer', 'keyword')
    def _compute_search_text(self):
        """Title and keywords, then the answer's text, of every installed language, folded:
        a customer finds the article whatever the language and accents he types."""
        langs = [code for code, _name in self.env['res.lang'].get_installed()]
        for faq in self:
            titles, bodies = [], []
            for lang in langs:
                faq_lang = faq.with_context(lang=lang)
                titles.append(faq_lang.title or '')
                bodies.append(html2plaintext(faq_lang.answer or ''))
            titles = list(dict.fromkeys(fold_text(title) for title in titles + [faq.keyword] if title))
            title_text = ' | '.join(titles)
            faq.search_title = title_text
            faq.search_text = ' | '.join([title_text] + list(dict.fromkeys(
                fold_text(body) for body in bodies if body)))

    # ------------------------------------------------------------
    # SEARCH
    # ------------------------------------------------------------

    def init(self):
        """Use pg_trgm when the database allows it (typo-tolerant ranked search with a
        GIN index); without it the search matches every word of the query instead."""
        super().init()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm", log_exceptions=False)
        except psycopg2.Error:
            _logger.info("pg_trgm is not available: the knowledge base searches without typo tolerance")
            return
        finally:
            self.env.registry.clear_cache()
        # the registry noted at loading whether the database had pg_trgm: on a database
        # created without it (createdb), tell it now, so that the indexes declared
        # index='trigram' (ticket number and subject) are created at the end of this
        # installation instead of missing until the next update of the module
        self.env.registry.has_trigram = True
        create_index(self.env.cr, 'cskh_faq_search_text_trgm_idx', self._table,
                     ['search_text gin_trgm_ops'], method='gin')

    @api.model
    @tools.ormcache()
    def _cskh_has_trgm(self):
        self.env.cr.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        return bool(self.env.cr.rowcount)

    @api.model
    def _cskh_search(self, text, domain=None, limit=10):
        """Articles matching the search ``text`` (accents, case and punctuation ignored),
        most relevant first: title over body, then the most viewed. Record rules of the
        current user apply, ``domain`` restricts further. Constant number of queries."""
        return self._cskh_search_many([text], domain=domain, limit=limit)[0]

    @api.model
    def _cskh_search_many(self, texts, domain=None, limit=10):
        """One recordset of articles per text of ``texts`` (same order), in one query."""
        queries = [fold_text(text)[:MAX_QUERY_LENGTH] for text in texts]
        if not any(queries):
            return [self.browse() for _text in texts]
        # the folded text of articles just written is computed at flush
        self.flush_model(['search_title', 'search_text', 'view_count'])
        query = self._search(Domain(domain or Domain.TRUE))
        if query.is_empty():
            return [self.browse() for _text in texts]
        table = query.table
        search_title = SQL.identifier(table, 'search_title')
        search_text = SQL.identifier(table, 'search_text')
        if self._cskh_has_trgm():
            self.env.cr.execute(SQL(
                "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)",
                str(WORD_SIMILARITY_THRESHOLD)))
            query.add_where(SQL("q.text <%% %s", search_text))
            score = SQL("%s * word_similarity(q.text, %s) + word_similarity(q.text, %s)",
                        TITLE_WEIGHT, search_title, search_text)
        else:
            words = SQL("unnest(string_to_array(q.text, ' ')) AS w(word)")
            query.add_where(SQL(
                "NOT EXISTS (SELECT 1 FROM %s WHERE strpos(%s, w.word) = 0)", words, search_text))
            score = SQL("(SELECT count(*) FROM %s WHERE strpos(%s, w.word) > 0)", words, search_title)
        query.add_where(SQL("q.text <> ''"))
        query.order = SQL("%s DESC, %s DESC, %s",
                          score, SQL.identifier(table, 'view_count'), SQL.identifier(table, 'id'))
        query.limit = limit
        rows = self.env.execute_query(SQL(
            "SELECT q.idx, f.id FROM unnest(%s::text[]) WITH ORDINALITY AS q(text, idx)"
            " CROSS JOIN LATERAL (%s) AS f(id) ORDER BY q.idx",
            queries, query.select(SQL.identifier(table, 'id'))))
        ids = [[] for _text in texts]
        for idx, faq_id in rows:
            ids[idx - 1].append(faq_id)
        return [self.browse(faq_ids) for faq_ids in ids]

    @api.model
    def _cskh_get_public_domain(self, company, team=None):
        """What customers may read: published articles of ``company``, of ``team``
        (or of every team) when given."""
        domain = Domain('is_published', '=', True) & Domain('company_id', '=', company.id)
        if team:
            domain &= Domain('team_ids', '=', False) | Domain('team_ids', 'in', team.ids)
        return domain

    # ------------------------------------------------------------
    # COUNTERS
    # ------------------------------------------------------------

    def _cskh_increment(self, *increments):
        """Add to counters of these articles in one UPDATE, without access rights: the
        help center counts views, votes and deflections of anonymous visitors.
        ``increments``: (field name, delta) pairs."""
        if not self:
            return
        assignments = SQL(", ").join(
            SQL("%s = GREATEST(COALESCE(%s, 0) + %s, 0)", SQL.identifier(fname), SQL.identifier(fname), delta)
            for fname, delta in increments)
        self.env.cr.execute(SQL("UPDATE %s SET %s WHERE id = ANY(%s)",
                                SQL.identifier(self._table), assignments, list(self.ids)))
        self.invalidate_recordset([fname for fname, _delta in increments])

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get('is_published') for vals in vals_list):
            self._check_publish_rights()
        return super().create(vals_list)

    def write(self, vals):
        if 'is_published' in vals:
            self._check_publish_rights()
        return super().write(vals)

    def _check_publish_rights(self):
        """Agents write drafts; only helpdesk managers publish or unpublish."""
        if not self.env.su and not self.env.user.has_group('cskh_helpdesk.cskh_helpdesk_group_manager'):
            raise AccessError(self.env._("Only helpdesk managers can publish or unpublish articles."))

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_publish(self):
        self.write({'is_published': True, 'date_last_review': fields.Date.context_today(self)})

    def action_unpublish(self):
        self.write({'is_published': False})

    def action_mark_reviewed(self):
        self.write({'date_last_review': fields.Date.context_today(self)})

    def action_open_website(self):
        self.ensure_one()
        return {'type': 'ir.actions.act_url', 'url': self.url, 'target': 'new'}

    def _get_full_url(self):
        self.ensure_one()
        return f"{self.get_base_url()}{self.url}"

    def _get_reply_body(self):
        """The article as an answer to a customer: its text and a link to it."""
        self.ensure_one()
        link = Markup('<p>%s <a href="%s">%s</a></p>') % (
            self.env._("Read the full article:"), self._get_full_url(), self.title)
        return Markup('%s%s') % (self.answer or '', link)

    def action_cskh_reply_on_ticket(self):
        """"Reply with Article" on a ticket's suggestions: the full composer, prefilled with
        the article in the customer's language, so that the agent can adapt it before sending."""
        self.ensure_one()
        ticket = self.env['cskh.ticket'].browse(self.env.context.get('cskh_ticket_id')).exists()
        if not ticket:
            return False
        ticket.check_access('write')
        lang = ticket.partner_id.lang or self.env.lang
        faq = self.with_context(lang=lang)
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Reply with Article"),
            'res_model': 'mail.compose.message',
            'view_mode': 'form',
            'views': [(False, 'form')],
            'target': 'new',
            'context': {
                'default_model': 'cskh.ticket',
                'default_res_ids': ticket.ids,
                'default_composition_mode': 'comment',
                'default_subtype_xmlid': 'mail.mt_comment',
                'default_body': faq._get_reply_body(),
                'default_subject': ticket.name,
                'cskh_faq_id': self.id,
            },
        }
