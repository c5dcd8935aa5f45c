from odoo import http
from odoo.http import request
from odoo.tools.misc import get_lang

CSAT_VALUES = range(1, 6)
NPS_VALUES = range(0, 11)
CES_VALUES = range(1, 8)


class CskhSurveyController(http.Controller):
    """Public satisfaction survey pages, reached from the survey email.

    The token of the survey is the only key: it opens its own ticket's survey and
    nothing else. Everything after the token check runs as superuser, so nothing
    before it may read records. Pages (GET) never change anything."""

    @http.route('/cskh/survey/<string:token>/<int:csat>', type='http', auth='public', methods=['GET'])
    def survey_one_click(self, token, csat, **kwargs):
        """A score link of the email: the survey form with that score chosen. Nothing is
        recorded until the customer sends the form: mail providers' link scanners open
        every link of a mail (as Odoo's ``/rate/<token>/<rate>`` does)."""
        response = request.env['cskh.survey.response']._get_by_token(token)
        error = self._check_survey(response)
        if error:
            return error
        if csat not in CSAT_VALUES:
            return self._render_form(response, errors=['csat'], status=400)
        return self._render_form(response, values={'csat': str(csat)}, just_clicked=True)

    @http.route('/cskh/survey/<string:token>', type='http', auth='public', methods=['GET', 'POST'])
    def survey_form(self, token, **post):
        """The full survey: CSAT, NPS, CES and comment, editable until expiry. Only the
        POST of the form (CSRF-protected) records the answer."""
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
        """An error page for an unknown or expired survey, or for a signed-in user who
        is not its customer (staff members never answer for a customer), else None."""
        if not response:
            return self._render_page(response, 'cskh_helpdesk.survey_page_invalid', {}, status=404)
        user = request.env.user
        if not user._is_public() and (
                user._is_internal()
                or user.partner_id.commercial_partner_id != response.partner_id.commercial_partner_id):
            return self._render_page(response, 'cskh_helpdesk.survey_page_other_user', {
                'response': response, 'user_name': user.name, 'is_staff': user._is_internal()}, status=403)
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

    def _render_form(self, response, errors=(), values=None, just_clicked=False, status=200):
        return self._render_page(response, 'cskh_helpdesk.survey_page_form', {
            'response': response,
            'ticket': response.ticket_id,
            'token': response._get_access_token(),
            'errors': errors,
            'values': values or {},
            'just_clicked': just_clicked,
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
