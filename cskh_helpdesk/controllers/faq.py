import uuid
from urllib.parse import urlencode

from odoo import http, tools
from odoo.fields import Domain
from odoo.http import request

from ..models.cskh_faq import FAQ_URL, MAX_QUERY_LENGTH

# Articles found per help center search, suggested per ticket form subject
SEARCH_LIMIT = 20
SUGGEST_LIMIT = 5
# suggestions per minute and IP address (system parameter cskh_helpdesk.faq_suggest_rate_limit)
SUGGEST_RATE_LIMIT = 30
# the articles opened from the ticket form in this session (deflection tracking)
SESSION_OPENED_KEY = 'cskh_faq_opened'
SESSION_VISITOR_KEY = 'cskh_faq_visitor'


class CskhFaqController(http.Controller):
    """The help center: public pages of the published articles of the request's company
    (no login, no website app), votes, and the ticket forms' suggestions.

    Every page reads in sudo with the public domain (published, this company) given
    explicitly: what a visitor may see does not depend on who is logged in."""

    # ------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------

    def _faq_domain(self):
        return request.env['cskh.faq']._cskh_get_public_domain(request.env.company)

    def _faq_categories_domain(self):
        return Domain('company_id', 'in', [False, request.env.company.id])

    def _faq_get_article(self, faq_id):
        """The published article ``faq_id`` of this company, in sudo, or a 404."""
        faq = request.env['cskh.faq'].sudo().search(Domain('id', '=', faq_id) & self._faq_domain(), limit=1)
        if not faq:
            raise request.not_found()
        return faq

    def _faq_submit_url(self, search=None):
        """The ticket form this visitor would use, the search text carried as the subject."""
        from .portal import PORTAL_URL  # noqa: PLC0415 (portal.py imports this module)
        user = request.env.user
        base = f'{PORTAL_URL}/new' if user._is_portal() else '/cskh/submit'
        return f"{base}?{urlencode({'name': search})}" if search else base

    def _faq_layout_values(self, **values):
        return {
            'page_name': 'cskh_faq',
            'faq_url': FAQ_URL,
            'submit_url': self._faq_submit_url(values.get('search')),
            'categories': request.env['cskh.faq.category'].sudo().search(
                self._faq_categories_domain() & Domain('parent_id', '=', False)),
            **values,
        }

    def _faq_visitor_key(self):
        """Who votes: the user, or for anonymous visitors a random token of their session."""
        user = request.env.user
        if not user._is_public():
            identity = f'user:{user.id}'
        else:
            token = request.session.get(SESSION_VISITOR_KEY)
            if not token:
                token = request.session[SESSION_VISITOR_KEY] = uuid.uuid4().hex
            identity = f'session:{token}'
        return request.env['cskh.faq.vote']._get_visitor_key(identity)

    # ------------------------------------------------------------
    # Pages
    # ------------------------------------------------------------

    @http.route(FAQ_URL, type='http', auth='public', website=True)
    def cskh_faq_index(self, search=None, **kw):
        """Categories and most viewed articles, or the results of ``search``."""
        Faq = request.env['cskh.faq'].sudo()
        search = (search or '').strip()[:MAX_QUERY_LENGTH]
        if search:
            faqs = Faq._cskh_search(search, domain=self._faq_domain(), limit=SEARCH_LIMIT)
            request.env['cskh.faq.search.log']._cskh_log(search, faqs, 'portal', request.env.company)
        else:
            faqs = Faq.search(self._faq_domain(), order='view_count desc, id desc', limit=10)
        return request.render('cskh_helpdesk.faq_index', self._faq_layout_values(
            faqs=faqs, search=search))

    @http.route(f'{FAQ_URL}/category/<int:category_id>', type='http', auth='public', website=True)
    def cskh_faq_category(self, category_id, **kw):
        category = request.env['cskh.faq.category'].sudo().search(
            Domain('id', '=', category_id) & self._faq_categories_domain(), limit=1)
        if not category:
            raise request.not_found()
        faqs = request.env['cskh.faq'].sudo().search(
            self._faq_domain() & Domain('category_id', 'child_of', category.id))
        return request.render('cskh_helpdesk.faq_category', self._faq_layout_values(
            category=category, faqs=faqs, subcategories=category.child_ids))

    @http.route(f'{FAQ_URL}/article/<string:slug>', type='http', auth='public', website=True)
    def cskh_faq_article(self, slug, src=None, voted=None, **kw):
        """An article; ``src=form``: opened from a suggestion of a ticket form."""
        _model, faq_id = request.env['ir.http']._unslug(slug)
        if not faq_id:
            raise request.not_found()
        faq = self._faq_get_article(faq_id)
        opened = request.session.get(SESSION_OPENED_KEY) or []
        if request.env['ir.http'].is_a_bot() or voted:
            pass  # crawlers and link previews are no readers; the page after a vote is no new view
        elif src == 'form' and faq.id not in opened:
            # opened from the ticket form: counted once per visitor until he submits a ticket
            faq._cskh_increment(('view_count', 1), ('form_open_count', 1), ('deflected_count', 1))
            request.session[SESSION_OPENED_KEY] = (opened + [faq.id])[-20:]
        else:
            faq._cskh_increment(('view_count', 1))
        related = request.env['cskh.faq'].sudo().search(
            self._faq_domain() & Domain('category_id', '=', faq.category_id.id) & Domain('id', '!=', faq.id),
            order='view_count desc, id desc', limit=5) if faq.category_id else request.env['cskh.faq']
        return request.render('cskh_helpdesk.faq_article', self._faq_layout_values(
            faq=faq, related=related, voted=voted))

    @http.route(f'{FAQ_URL}/article/<int:faq_id>/vote', type='http', auth='public', methods=['POST'],
                website=True)
    def cskh_faq_vote(self, faq_id, helpful=None, **kw):
        """"Was this helpful?": one vote per visitor and article (CSRF-protected form)."""
        faq = self._faq_get_article(faq_id)
        user = request.env.user
        counted = request.env['cskh.faq.vote'].sudo()._cskh_vote(
            faq, self._faq_visitor_key(), helpful == '1', user=None if user._is_public() else user)
        return request.redirect(f"{faq.url}?voted={'1' if counted else 'again'}")

    # ------------------------------------------------------------
    # Ticket forms: suggestions (deflection)
    # ------------------------------------------------------------

    def _faq_suggest_rate_limit(self):
        value = request.env['ir.config_parameter'].sudo().get_param('cskh_helpdesk.faq_suggest_rate_limit')
        try:
            return int(value) if value else SUGGEST_RATE_LIMIT
        except ValueError:
            return SUGGEST_RATE_LIMIT

    @http.route(f'{FAQ_URL}/suggest', type='http', auth='public', methods=['GET'], website=True)
    def cskh_faq_suggest(self, q=None, team=None, **kw):
        """Published articles matching the subject ``q`` a customer is typing in a ticket
        form, as JSON; the form calls it debounced. Limited per IP address (429 beyond);
        a constant number of queries whatever the size of the knowledge base."""
        env = request.env
        limit = self._faq_suggest_rate_limit()
        ip = request.httprequest.remote_addr
        if limit > 0 and not env['cskh.rate.limit'].sudo()._cskh_hit(f'faq_suggest:{ip}', limit):
            return request.make_json_response({'error': 'rate_limited'}, status=429)
        q = (q or '').strip()[:MAX_QUERY_LENGTH]
        if len(q) < 3:
            return request.make_json_response({'articles': []})
        domain = self._faq_domain()
        if team and str(team).isdigit():
            domain &= Domain('team_ids', '=', False) | Domain('team_ids', 'in', [int(team)])
        faqs = env['cskh.faq'].sudo()._cskh_search(q, domain=domain, limit=SUGGEST_LIMIT)
        env['cskh.faq.search.log']._cskh_log(q, faqs, 'form', env.company)
        faqs._cskh_increment(('suggested_count', 1))
        return request.make_json_response({
            'articles': [{
                'id': faq.id,
                'title': faq.title,
                'url': f'{faq.url}?src=form',
                'excerpt': tools.html2plaintext(faq.answer or '')[:160],
            } for faq in faqs],
            'search_url': f"{FAQ_URL}?{urlencode({'search': q})}",
        })

    @classmethod
    def _cskh_faq_track_ticket(cls):
        """A ticket was submitted: the articles this visitor opened from the form did not
        avoid it (called by the ticket forms after creating the ticket)."""
        opened = request.session.pop(SESSION_OPENED_KEY, None)
        if opened:
            request.env['cskh.faq'].sudo().browse(opened).exists()._cskh_increment(
                ('form_ticket_count', 1), ('deflected_count', -1))
