from odoo import http
from odoo.http import request
from odoo.tools.misc import get_lang

CSAT_VALUES = range(1, 6)
NPS_VALUES = range(0, 11)
CES_VALUES = range(1, 8)


class CskhSurveyController(http.Controller):
    """Public satisfaction survey pages, reached from the survey email.

    The token of the survey (the one of its ``rating.rating``) is the only key:
    it opens its own ticket's survey and nothing else. Everything after the token
    check runs as superuser, so nothing before it may read records."""

    @http.route('/cskh/survey/<string:token>/<int:csat>', type='http', auth='public', methods=['GET'])
    def survey_one_click(self, token, csat, **kwargs):
        """One-click CSAT from the email: record the score, then show the full form
        so the customer may add NPS, CES and a comment."""
        response = request.env['cskh.survey.response']._get_by_token(token)
        error = self._check_survey(response)
        if error:
            return error
        if csat not in CSAT_VALUES:
            return self._render_form(response, errors=['csat'], status=400)
        # HEAD requests come from link checkers of mail providers: never record them
        if request.httprequest.method == 'GET':
            response._apply_answer(csat)
        return self._render_form(response, just_rated=True)

    @http.route('/cskh/survey/<string:token>', type='http', auth='public', methods=['GET', 'POST'])
    def survey_form(self, token, **post):
        """The full survey: CSAT, NPS, CES and comment, editable until expiry."""
        response = request.env['cskh.survey.response']._get_by_token(token)
        error = self._check_survey(response)
        if error:
            return error
        if request.httprequest.method != 'POST':
            return self._render_form(response)
        values, errors = self._parse_answer(post)
        if errors:
            return self._render_form(response, errors=errors, values=post, status=400)
        response._apply_answer(**values)
        return self._render_page(response, 'cskh_helpdesk.survey_page_thanks', {'response': response})

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _check_survey(self, response):
        """An error page for an unknown or expired survey, else None."""
        if not response:
            return self._render_page(response, 'cskh_helpdesk.survey_page_invalid', {}, status=404)
        if response._is_expired():
            return self._render_page(response, 'cskh_helpdesk.survey_page_expired', {'response': response}, status=410)
        return None

    @staticmethod
    def _parse_score(value, allowed):
        try:
            score = int(value)
        except (TypeError, ValueError):
            return None
        return score if score in allowed else None

    def _parse_answer(self, post):
        """Validated ``_apply_answer`` values from the posted form, and the names of
        the invalid fields. CSAT is required, NPS and CES are optional."""
        errors = []
        csat = self._parse_score(post.get('csat'), CSAT_VALUES)
        if csat is None:
            errors.append('csat')
        values = {'csat': csat, 'comment': (post.get('comment') or '').strip()[:5000] or False}
        for name, allowed in (('nps', NPS_VALUES), ('ces', CES_VALUES)):
            if post.get(name) in (None, ''):
                continue
            score = self._parse_score(post[name], allowed)
            if score is None:
                errors.append(name)
            values[name] = score
        return values, errors

    def _render_form(self, response, errors=(), values=None, just_rated=False, status=200):
        return self._render_page(response, 'cskh_helpdesk.survey_page_form', {
            'response': response,
            'ticket': response.ticket_id,
            'token': response._get_access_token(),
            'errors': errors,
            'values': values or {},
            'just_rated': just_rated,
            'csat_values': CSAT_VALUES,
            'nps_values': NPS_VALUES,
            'ces_values': CES_VALUES,
        }, status=status)

    def _render_page(self, response, template, values, status=200):
        """Render ``template`` in the customer's language."""
        lang = response.partner_id.lang or get_lang(request.env).code
        request.update_context(lang=lang)
        return request.render(template, {
            'company': response.company_id or request.env.company,
            **values,
        }, status=status)
