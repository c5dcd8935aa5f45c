from markupsafe import Markup

from odoo import SUPERUSER_ID, http, tools
from odoo.exceptions import AccessError, MissingError
from odoo.fields import Domain
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal, pager as portal_pager

from .faq import CskhFaqController

# Honeypot input: hidden from humans, bots fill it in.
HONEYPOT_FIELD = 'cskh_website'
# Defaults of the web form protections, each overridable by a system parameter.
WEB_FORM_LIMITS = {
    'max_file_size': ('cskh_helpdesk.web_form_max_file_size', 10),  # MB per file
    'max_files': ('cskh_helpdesk.web_form_max_files', 5),
    # MB for all the files of one submission of the public form, whose sender is unverified
    'public_max_total_size': ('cskh_helpdesk.web_form_public_max_total_size', 10),
    'rate_limit': ('cskh_helpdesk.web_form_rate_limit', 5),  # tickets per hour per IP / email
}
# Submitted text fields and their maximum length (the form's maxlength, enforced again here).
FORM_TEXT_FIELDS = {
    'partner_name': 128, 'partner_email': 128, 'partner_phone': 64, 'name': 256,
    'description': 50000, 'type_id': 16, 'team_id': 16,
}
# Our portal pages live under their own prefix: /my/tickets belongs to the other
# helpdesks (Odoo's Helpdesk, OCA helpdesk_mgmt) that may be installed alongside.
PORTAL_URL = '/my/cskh-tickets'
MB = 1024 * 1024


class CskhCustomerPortal(CustomerPortal):
    """Customer side of the helpdesk: the tickets of /my, their detail page with the
    conversation, and the ticket submission forms (portal and public)."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if 'cskh_ticket_count' in counters:
            Ticket = request.env['cskh.ticket']
            values['cskh_ticket_count'] = Ticket.search_count([]) if Ticket.has_access('read') else 0
        return values

    # ------------------------------------------------------------
    # My tickets
    # ------------------------------------------------------------

    def _cskh_ticket_get_searchbar_sortings(self):
        env = request.env
        return {
            'date': {'label': env._("Newest"), 'order': 'create_date desc, id desc'},
            'update': {'label': env._("Last Update"), 'order': 'write_date desc, id desc'},
            'number': {'label': env._("Number"), 'order': 'number desc, id desc'},
            'name': {'label': env._("Subject"), 'order': 'name, id desc'},
            'stage': {'label': env._("Status"), 'order': 'stage_id, id desc'},
        }

    def _cskh_ticket_get_searchbar_filters(self):
        env = request.env
        return {
            'open': {'label': env._("Open"), 'domain': Domain('is_closed', '=', False)},
            'closed': {'label': env._("Closed"), 'domain': Domain('is_closed', '=', True)},
            'all': {'label': env._("All"), 'domain': Domain.TRUE},
        }

    def _cskh_ticket_get_searchbar_inputs(self):
        env = request.env
        return {
            'all': {'input': 'all', 'label': env._(
                "Search%(left)s Tickets%(right)s",
                left=Markup('<span class="nolabel">'), right=Markup('</span>'))},
            'number': {'input': 'number', 'label': env._("Search in Number")},
            'name': {'input': 'name', 'label': env._("Search in Subject")},
        }

    def _cskh_ticket_get_search_domain(self, search_in, search):
        if search_in in ('number', 'name'):
            return Domain(search_in, 'ilike', search)
        return Domain('number', 'ilike', search) | Domain('name', 'ilike', search)

    @http.route([PORTAL_URL, f'{PORTAL_URL}/page/<int:page>'], type='http', auth='user', website=True)
    def cskh_portal_my_tickets(self, page=1, sortby=None, filterby=None, search=None, search_in='all', **kw):
        """List the tickets the user may read (his company's and those he follows)."""
        values = self._prepare_portal_layout_values()
        Ticket = request.env['cskh.ticket']
        sortings = self._cskh_ticket_get_searchbar_sortings()
        filters = self._cskh_ticket_get_searchbar_filters()
        sortby = sortby if sortby in sortings else 'date'
        filterby = filterby if filterby in filters else 'open'
        domain = filters[filterby]['domain']
        if search:
            domain &= self._cskh_ticket_get_search_domain(search_in, search)

        pager = portal_pager(
            url=PORTAL_URL,
            url_args={'sortby': sortby, 'filterby': filterby, 'search': search, 'search_in': search_in},
            total=Ticket.search_count(domain),
            page=page,
            step=self._items_per_page,
        )
        # read as the user (record rules are the access check), display in sudo
        tickets = Ticket.search(
            domain, order=sortings[sortby]['order'], limit=self._items_per_page, offset=pager['offset'])
        request.session['my_cskh_tickets_history'] = tickets.ids[:100]
        values.update({
            'tickets': tickets.sudo(),
            'page_name': 'cskh_ticket',
            'default_url': PORTAL_URL,
            'pager': pager,
            'searchbar_sortings': sortings,
            'sortby': sortby,
            'searchbar_filters': filters,
            'filterby': filterby,
            'searchbar_inputs': self._cskh_ticket_get_searchbar_inputs(),
            'search_in': search_in,
            'search': search,
        })
        return request.render('cskh_helpdesk.portal_my_tickets', values)

    # ------------------------------------------------------------
    # One ticket
    # ------------------------------------------------------------

    def _cskh_ticket_check_access(self, ticket_id, access_token=None):
        """The ticket in sudo if the user may read it or holds its token, else None.

        Logged-in users keep their identity (for tracking); token visitors act as superuser.
        """
        try:
            ticket_sudo = self._document_check_access('cskh.ticket', ticket_id, access_token)
        except (AccessError, MissingError):
            return None
        if not request.env.user._is_public():
            ticket_sudo = ticket_sudo.with_user(request.env.user).sudo()
        return ticket_sudo

    def _cskh_ticket_not_accessible(self, ticket_id, access_token=None):
        """Anonymous visitors without token are asked to log in, anyone else gets a 404
        (the existence of other customers' tickets is not disclosed)."""
        if request.env.user._is_public() and not access_token:
            return request.redirect(f'/web/login?redirect={PORTAL_URL}/{ticket_id}')
        raise request.not_found()

    def _cskh_ticket_get_page_view_values(self, ticket, access_token, **kwargs):
        ticket._portal_ensure_token()
        values = {
            'page_name': 'cskh_ticket',
            'cskh_ticket': ticket,
            'can_close': ticket._portal_can_close(),
            'priority_labels': dict(ticket._fields['priority']._description_selection(request.env)),
        }
        return self._get_page_view_values(ticket, access_token, values, 'my_cskh_tickets_history', False, **kwargs)

    @http.route(f'{PORTAL_URL}/<int:ticket_id>', type='http', auth='public', website=True)
    def cskh_portal_my_ticket(self, ticket_id, access_token=None, **kw):
        ticket_sudo = self._cskh_ticket_check_access(ticket_id, access_token)
        if not ticket_sudo:
            return self._cskh_ticket_not_accessible(ticket_id, access_token)
        values = self._cskh_ticket_get_page_view_values(ticket_sudo, access_token, **kw)
        return request.render('cskh_helpdesk.portal_my_ticket', values)

    @http.route(f'{PORTAL_URL}/<int:ticket_id>/close', type='http', auth='public', methods=['POST'], website=True)
    def cskh_portal_my_ticket_close(self, ticket_id, access_token=None, **kw):
        """The customer's "Close this ticket" button (a CSRF-protected form)."""
        ticket_sudo = self._cskh_ticket_check_access(ticket_id, access_token)
        if not ticket_sudo:
            return self._cskh_ticket_not_accessible(ticket_id, access_token)
        author = ticket_sudo.partner_id if request.env.user._is_public() else request.env.user.partner_id
        ticket_sudo.action_portal_close(partner=author)
        url = f'{PORTAL_URL}/{ticket_id}'
        if access_token:
            url += f'?access_token={access_token}'
        return request.redirect(url)

    # ------------------------------------------------------------
    # Ticket submission (portal and public web form)
    # ------------------------------------------------------------

    def _cskh_form_get_limit(self, key):
        param, default = WEB_FORM_LIMITS[key]
        value = request.env['ir.config_parameter'].sudo().get_param(param)
        try:
            return int(value) if value not in (None, False, '') else default
        except ValueError:
            return default

    def _cskh_form_get_teams(self):
        """Teams accepting tickets from the web (shown to anyone: display values only)."""
        if not request.env['res.config.settings'].sudo()._cskh_is_feature_enabled('web_form'):
            return request.env['cskh.team']
        return request.env['cskh.team'].sudo().search([('use_website_form', '=', True)])

    def _cskh_form_get_values(self, form, errors, teams, fixed_team, action, portal_partner):
        return {
            'form': form,
            'errors': errors,
            'teams': teams,
            'fixed_team': fixed_team,
            'ticket_types': request.env['cskh.ticket.type'].sudo().search([]),
            'form_action': action,
            'portal_partner': portal_partner,
            'honeypot_field': HONEYPOT_FIELD,
            'max_file_size': self._cskh_form_get_limit('max_file_size'),
            'max_files': self._cskh_form_get_limit('max_files'),
            'max_total_size': 0 if portal_partner else self._cskh_form_get_limit('public_max_total_size'),
            'page_name': 'cskh_ticket_new',
        }

    def _cskh_form_read_files(self, errors, public=False):
        """The uploaded files as (name, content), enforcing the count and size limits:
        a size per file, and for the public form (unverified sender) a total size too."""
        env = request.env
        files = [f for f in request.httprequest.files.getlist('attachments') if f.filename]
        max_files = self._cskh_form_get_limit('max_files')
        if len(files) > max_files:
            errors['attachments'] = env._("You can attach at most %(count)s files.", count=max_files)
            return []
        file_mb = self._cskh_form_get_limit('max_file_size')
        total_mb = self._cskh_form_get_limit('public_max_total_size') if public else 0
        remaining = total_mb * MB if total_mb > 0 else None
        result = []
        for upload in files:
            limit = file_mb * MB if remaining is None else min(file_mb * MB, remaining)
            content = upload.read(limit + 1)
            if len(content) > file_mb * MB:
                errors['attachments'] = env._(
                    "The file %(name)s is too large: at most %(size)s MB per file.",
                    name=upload.filename, size=file_mb)
                return []
            if remaining is not None:
                if len(content) > remaining:
                    errors['attachments'] = env._(
                        "The attachments are too large: at most %(size)s MB in total.", size=total_mb)
                    return []
                remaining -= len(content)
            result.append((upload.filename, content))
        return result

    def _cskh_form_validate(self, form, teams, portal_partner):
        env = request.env
        required = ['name', 'description'] + ([] if portal_partner else ['partner_name', 'partner_email'])
        errors = {field: env._("This field is required.") for field in required if not form.get(field)}
        errors.update({
            field: env._("This text is too long: at most %(count)s characters.", count=size)
            for field, size in FORM_TEXT_FIELDS.items() if len(form.get(field) or '') > size
        })
        if form.get('partner_email') and not tools.email_normalize(form['partner_email']):
            errors['partner_email'] = env._("Please enter a valid email address.")
        if not form.get('team_id', '').isdigit() or int(form['team_id']) not in teams.ids:
            errors['team_id'] = env._("Please choose a team.")
        if form.get('type_id') and (not form['type_id'].isdigit() or not env['cskh.ticket.type'].sudo().search_count(
                [('id', '=', int(form['type_id']))])):
            errors['type_id'] = env._("Please choose a valid type.")
        return errors

    def _cskh_form_check_rate_limit(self, email, errors):
        """Refuse the submission when its IP or email sent too many web tickets in the
        last hour. The client IP is ``remote_addr``, which Odoo sets from X-Forwarded-For
        when it runs with ``proxy_mode`` behind a reverse proxy."""
        limit = self._cskh_form_get_limit('rate_limit')
        if limit > 0 and not request.env['cskh.ticket']._web_form_take_rate_slot(
                ip=request.httprequest.remote_addr, email=email, limit=limit):
            errors['form'] = request.env._(
                "You have sent too many requests in a short time. Please try again later.")

    def _cskh_form_get_partner(self, form):
        """The customer of a public submission: the first contact with that email that
        is not a user of the staff, or a new contact. Anybody can type any address, so
        a submission never speaks for an employee (it would count as his answer and
        make him the customer); his address then gets a contact of its own."""
        Partner = request.env['res.partner'].sudo()
        email = tools.email_normalize(form['partner_email'])
        partner = Partner.search(
            [('email_normalized', '=', email), ('partner_share', '=', True)], order='id', limit=1)
        return partner or Partner.create({
            'name': form['partner_name'],
            'email': form['partner_email'],
            'phone': form.get('partner_phone') or False,
            # answers (acknowledgement, replies) in the language the customer wrote in
            'lang': request.env.context.get('lang') or False,
        })

    def _cskh_prepare_ticket_values(self, form, partner):
        return {
            'name': form['name'],
            'description': tools.plaintext2html(form['description']),
            'team_id': int(form['team_id']),
            'type_id': int(form['type_id']) if form.get('type_id') else False,
            'channel': 'web',
            'partner_id': partner.id,
            'partner_name': form.get('partner_name') or partner.name,
            'partner_email': tools.email_normalize(form.get('partner_email') or '') or partner.email,
            'partner_phone': form.get('partner_phone') or partner.phone,
            'web_form_ip': request.httprequest.remote_addr,
        }

    def _cskh_create_ticket(self, form, files, partner):
        """Create the ticket as the customer would by email: he follows it and his request,
        with its attachments, opens the conversation (a customer's message: it is not an
        agent's answer, ``partner`` is never a user of the staff)."""
        Ticket = request.env['cskh.ticket'].sudo().with_context(
            mail_create_nosubscribe=True, attachments_mime_plainxml=True)
        ticket = Ticket.create(self._cskh_prepare_ticket_values(form, partner))
        ticket.message_subscribe(partner_ids=partner.ids)
        ticket.message_post(
            body=ticket.description,
            author_id=partner.id,
            message_type='comment',
            subtype_xmlid='mail.mt_comment',
            attachments=files,
        )
        return ticket

    def _cskh_form_handle(self, template, action, fixed_team=None, portal_partner=None):
        """Display (GET) or process (POST) a submission form; errors re-render it with the values."""
        teams = fixed_team or self._cskh_form_get_teams()
        form = {field: (request.params.get(field) or '').strip() for field in FORM_TEXT_FIELDS}
        if portal_partner:
            form.update(partner_name=portal_partner.name, partner_email=portal_partner.email or '')
        if len(teams) == 1:
            form['team_id'] = str(teams.id)
        elif not form['team_id'] and request.httprequest.method == 'GET':
            form['team_id'] = str(teams._get_default_web_form_team().id or '')
        errors = {}
        if request.httprequest.method == 'POST':
            if request.params.get(HONEYPOT_FIELD):
                # a robot: look successful, create nothing
                return request.render('cskh_helpdesk.ticket_submit_thanks', {'cskh_ticket': None})
            errors = self._cskh_form_validate(form, teams, portal_partner)
            files = self._cskh_form_read_files(errors, public=not portal_partner)
            if not errors:
                self._cskh_form_check_rate_limit(form['partner_email'], errors)
            if not errors:
                partner = portal_partner or self._cskh_form_get_partner(form)
                ticket = self._cskh_create_ticket(form, files, partner)
                CskhFaqController._cskh_faq_track_ticket()
                return request.render('cskh_helpdesk.ticket_submit_thanks', {
                    'cskh_ticket': ticket, 'portal_partner': portal_partner, 'page_name': 'cskh_ticket_new'})
        values = self._cskh_form_get_values(form, errors, teams, fixed_team, action, portal_partner)
        if portal_partner:
            values = {**self._prepare_portal_layout_values(), **values}
        return request.render(template, values)

    @http.route(f'{PORTAL_URL}/new', type='http', auth='user', methods=['GET', 'POST'], website=True)
    def cskh_portal_ticket_new(self, **kw):
        """Submission form of logged-in customers: they are the ticket's customer.
        Staff members are sent to the Helpdesk app: a ticket they submitted here would
        make them the customer and count their request as an agent's answer."""
        if not self._cskh_form_get_teams():
            raise request.not_found()
        if request.env.user._is_internal():
            values = {**self._prepare_portal_layout_values(), 'page_name': 'cskh_ticket_new'}
            return request.render('cskh_helpdesk.portal_ticket_new_staff', values, status=403)
        return self._cskh_form_handle(
            'cskh_helpdesk.portal_ticket_new', f'{PORTAL_URL}/new', portal_partner=request.env.user.partner_id)

    @http.route('/cskh/submit', type='http', auth='public', methods=['GET', 'POST'], website=True)
    def cskh_ticket_submit(self, team=None, **kw):
        """Public web form. ``?team=<id>`` fixes the team among those accepting web tickets;
        otherwise the visitor picks one of them."""
        teams = self._cskh_form_get_teams()
        fixed_team = None
        if team:
            fixed_team = teams.filtered(lambda t: str(t.id) == str(team))
            if not fixed_team:
                raise request.not_found()
        elif not teams:
            raise request.not_found()
        action = f'/cskh/submit?team={fixed_team.id}' if fixed_team else '/cskh/submit'
        return self._cskh_form_handle('cskh_helpdesk.ticket_submit_page', action, fixed_team=fixed_team)
