from unittest.mock import patch
from urllib.parse import quote

from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import Form, tagged, users
from odoo.tools import SQL, mute_logger
from odoo.tools.sql import index_exists

from odoo.addons.cskh_helpdesk.models.cskh_faq import CskhFaq, fold_text
from odoo.addons.mail.tests.common import mail_new_test_user

from .common import CskhCommon, CskhMailCommon, CskhPortalCommon


class CskhFaqCommon(CskhCommon):
    """Published articles of the main company, a draft, and an article of company 2."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.category = cls.env['cskh.faq.category'].create({'name': 'Bảo hành'})
        cls.subcategory = cls.env['cskh.faq.category'].create({'name': 'Máy giặt', 'parent_id': cls.category.id})
        Faq = cls.env['cskh.faq']
        cls.faq_washer = Faq.create({
            'title': 'Bảo hành máy giặt bao lâu?',
            'answer': '<p>Máy giặt được bảo hành <b>24 tháng</b> tại nhà, kể từ ngày mua.</p>',
            'category_id': cls.subcategory.id,
            'keyword': 'may giat, washing machine',
            'is_published': True,
        })
        cls.faq_password = Faq.create({
            'title': 'Đổi mật khẩu tài khoản',
            'answer': '<p>Vào mục Tài khoản, chọn Đổi mật khẩu rồi làm theo hướng dẫn.</p>',
            'is_published': True,
        })
        cls.faq_return = Faq.create({
            'title': 'Chính sách đổi trả hàng',
            'answer': '<p>Đổi trả trong 7 ngày. Sản phẩm còn bảo hành vẫn được đổi nếu lỗi do nhà sản xuất.</p>',
            'is_published': True,
        })
        cls.faq_draft = Faq.create({
            'title': 'Bảo hành tủ lạnh và máy giặt (bản nháp)',
            'answer': '<p>Bản nháp chưa duyệt.</p>',
        })
        cls.faq_c2 = Faq.create({
            'title': 'Bảo hành máy giặt của công ty 2',
            'answer': '<p>Bí mật của công ty 2.</p>',
            'company_id': cls.company_2.id,
            'is_published': True,
        })

    def _public_domain(self, company=None):
        return self.env['cskh.faq']._cskh_get_public_domain(company or self.env.company)

    def _search(self, text, **kwargs):
        return self.env['cskh.faq']._cskh_search(text, domain=self._public_domain(), **kwargs)


@tagged('post_install', '-at_install', 'cskh')
class TestFaqSearch(CskhFaqCommon):

    def test_fold_text(self):
        self.assertEqual(fold_text('Bảo hành MÁY GIẶT, đổi trả!'), 'bao hanh may giat doi tra')
        self.assertEqual(fold_text('Đường   dây nóng'), 'duong day nong')

    def test_accent_insensitive(self):
        self.assertEqual(self._search('bao hanh may giat')[:1], self.faq_washer)
        self.assertEqual(self._search('BẢO HÀNH máy giặt')[:1], self.faq_washer)
        self.assertEqual(self._search('doi mat khau')[:1], self.faq_password)

    def test_typo_tolerant(self):
        self.assertTrue(self.env['cskh.faq']._cskh_has_trgm(), "the test database allows pg_trgm")
        self.assertEqual(self._search('bao hnah may giat')[:1], self.faq_washer)
        self.assertEqual(self._search('doi mat khao')[:1], self.faq_password)
        self.assertFalse(self._search('hoa don dien tu'), "unrelated words find nothing")

    def test_ranking_title_over_body(self):
        # "bao hanh" is in the washer's title, only in the body of the return policy
        results = self._search('bao hanh')
        self.assertIn(self.faq_return, results)
        self.assertLess(list(results).index(self.faq_washer), list(results).index(self.faq_return))

    def test_keywords_and_translations(self):
        self.assertEqual(self._search('washing machine')[:1], self.faq_washer)
        self.env['res.lang']._activate_lang('vi_VN')
        self.faq_password.with_context(lang='en_US').title = 'Change the password of my account'
        self.faq_password.with_context(lang='vi_VN').title = 'Đổi mật khẩu tài khoản'
        self.assertEqual(self._search('change password')[:1], self.faq_password)
        self.assertEqual(self._search('doi mat khau')[:1], self.faq_password, "both languages are searched")

    def test_trigram_indexes_on_a_database_created_without_pg_trgm(self):
        """On a database created without pg_trgm (createdb), the installation creates the
        extension, and the ticket's trigram indexes with it: the registry, loaded before,
        believed the database had none and skipped them."""
        self.env.cr.execute("DROP INDEX cskh_ticket__number_index")
        self.patch(self.env.registry, 'has_trigram', False)
        # what the installation runs: the models' init(), then the check of their indexes
        self.env['cskh.faq'].init()
        self.env.registry.check_indexes(self.env.cr, ['cskh.ticket'])
        self.assertTrue(index_exists(self.env.cr, 'cskh_ticket__number_index'))

    def test_fallback_without_trgm(self):
        """Without pg_trgm every word of the query must be in the article, accents ignored."""
        with patch.object(CskhFaq, '_cskh_has_trgm', return_value=False):
            self.assertEqual(self._search('may giat bao hanh')[:1], self.faq_washer)
            self.assertIn(self.faq_return, self._search('bao hanh'))
            self.assertFalse(self._search('bao hnah'))

    def test_published_and_company(self):
        results = self._search('bao hanh may giat')
        self.assertNotIn(self.faq_draft, results)
        self.assertNotIn(self.faq_c2, results)
        self.assertEqual(
            self.env['cskh.faq']._cskh_search('bao hanh may giat', domain=self._public_domain(self.company_2)),
            self.faq_c2)

    def test_record_rules_portal_public(self):
        portal = mail_new_test_user(self.env, login='kb_portal', groups='base.group_portal')
        public = self.env.ref('base.public_user')
        for user in (portal, public):
            visible = self.env['cskh.faq'].with_user(user).search([])
            self.assertIn(self.faq_washer, visible)
            self.assertNotIn(self.faq_draft, visible, user.login)
            self.assertNotIn(self.faq_c2, visible, user.login)
            with self.assertRaises(AccessError):
                self.faq_draft.with_user(user).check_access('read')
            with self.assertRaises(AccessError):
                self.faq_washer.with_user(user).write({'title': 'Hacked'})
        self.assertNotIn(self.faq_c2, self.env['cskh.faq'].with_user(self.user_agent).search([]))

    def test_agents_write_drafts_managers_publish(self):
        Faq = self.env['cskh.faq'].with_user(self.user_agent)
        draft = Faq.create({'title': 'Giao hàng mất bao lâu?', 'answer': '<p>2-3 ngày.</p>'})
        draft.answer = '<p>2 đến 3 ngày làm việc.</p>'
        with self.assertRaises(AccessError):
            draft.action_publish()
        with self.assertRaises(AccessError):
            Faq.create({'title': 'Tự xuất bản', 'is_published': True})
        draft.with_user(self.user_manager).action_publish()
        self.assertTrue(draft.is_published)
        self.assertTrue(draft.date_last_review)
        self.assertIn(draft, self._search('giao hang mat bao lau'))

    def test_constant_queries_on_10000_articles(self):
        """The search costs the same number of queries on 10,000 articles as on five."""
        Faq = self.env['cskh.faq'].sudo()
        domain = self._public_domain()
        Faq._cskh_search('bao hanh may giat', domain=domain)  # warm the caches

        def count_queries(text):
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            results = Faq._cskh_search(text, domain=domain)
            results.mapped('title')
            return self.cr.sql_log_count - before, results

        small, _results = count_queries('bao hanh may giat')
        self.env.cr.execute(SQL(
            """INSERT INTO cskh_faq (title, answer, search_title, search_text, is_published, active,
                                     company_id, sequence, view_count, helpful_count, not_helpful_count,
                                     suggested_count, form_open_count, form_ticket_count, deflected_count)
               SELECT jsonb_build_object('en_US', 'Câu hỏi số ' || n), jsonb_build_object('en_US', '<p>Trả lời</p>'),
                      'cau hoi so ' || n || ' san pham ' || (n %% 97),
                      'cau hoi so ' || n || ' san pham ' || (n %% 97) || ' | tra loi ve dich vu so ' || n,
                      true, true, %s, 10, n %% 13, 0, 0, 0, 0, 0, 0
                 FROM generate_series(1, 10000) AS n""", self.env.company.id))
        self.env.cr.execute("ANALYZE cskh_faq")
        large, results = count_queries('bao hanh may giat')
        self.assertEqual(large, small)
        self.assertEqual(results[:1], self.faq_washer)
        with self.assertQueryCount(3):  # threshold, search, read of the titles
            self.env.invalidate_all()
            Faq._cskh_search('cau hoi so 4242', domain=domain, limit=5).mapped('title')
        self.assertIn('Câu hỏi số 4242', Faq._cskh_search('cau hoi so 4242', domain=domain, limit=5).mapped('title'))


@tagged('post_install', '-at_install', 'cskh')
class TestFaqAgent(CskhFaqCommon, CskhMailCommon):

    def test_suggestions_on_ticket(self):
        ticket = self._create_ticket(
            name='Hỏi về bảo hành máy giặt', partner_id=self.customer.id,
            description='<p>Máy giặt nhà tôi bị rung mạnh, còn bảo hành không?</p>')
        suggestions = ticket.with_user(self.user_agent).faq_suggestion_ids
        self.assertEqual(suggestions[:1], self.faq_washer)
        self.assertNotIn(self.faq_draft, suggestions)
        self.assertNotIn(self.faq_c2, suggestions)

    def test_suggestions_batched(self):
        tickets = self.env['cskh.ticket'].create([
            {'name': name, 'team_id': self.team.id}
            for name in ('Bảo hành máy giặt', 'Quên mật khẩu, muốn đổi mật khẩu', 'Đổi trả hàng lỗi', 'Xin chào')])
        self.env.invalidate_all()
        with self.assertQueryCount(4):  # tickets, threshold, search (all tickets of the team), prefetch
            suggestions = [ticket.faq_suggestion_ids.ids for ticket in tickets]
        self.assertEqual(suggestions[0][:1], self.faq_washer.ids)
        self.assertEqual(suggestions[1][:1], self.faq_password.ids)
        self.assertEqual(suggestions[2][:1], self.faq_return.ids)
        self.assertEqual(suggestions[3], [])

    def test_reply_with_article(self):
        ticket = self._create_ticket(name='Máy giặt bảo hành bao lâu?', partner_id=self.customer.id)
        action = self.faq_washer.with_user(self.user_agent).with_context(
            cskh_ticket_id=ticket.id).action_cskh_reply_on_ticket()
        self.assertEqual(action['res_model'], 'mail.compose.message')
        composer_form = Form(self.env['mail.compose.message'].with_user(self.user_agent).with_context(**action['context']))
        self.assertIn('24 tháng', composer_form.body)
        self.assertIn(self.faq_washer.url, composer_form.body)
        composer = composer_form.save()
        with self.mock_mail_gateway():
            composer._action_send_mail()
        message = ticket.message_ids[0]
        self.assertEqual(message.author_id, self.user_agent.partner_id)
        self.assertIn('24 tháng', message.body)
        self.assertIn(self.faq_washer.url, message.body)
        self.assertIn(self.customer, message.notified_partner_ids)
        self.assertTrue(ticket.date_first_response, "the article is the agent's answer")

    def test_reply_with_article_needs_ticket_access(self):
        ticket = self.env['cskh.ticket'].create({'name': 'Bảo hành', 'team_id': self.team_private.id})
        with self.assertRaises(AccessError):
            self.faq_washer.with_user(self.user_agent).with_context(
                cskh_ticket_id=ticket.id).action_cskh_reply_on_ticket()

    def test_create_article_from_ticket(self):
        ticket = self._create_ticket(name='Cách vệ sinh lồng máy giặt', partner_id=self.customer.id)
        with self.mock_mail_gateway():
            ticket.with_user(self.user_agent).message_post(
                body='Chị dùng chế độ vệ sinh lồng giặt mỗi tháng một lần.',
                message_type='comment', subtype_xmlid='mail.mt_comment')
            ticket.with_user(self.user_agent).message_post(
                body='Ghi chú nội bộ', message_type='comment', subtype_xmlid='mail.mt_note')
        action = ticket.with_user(self.user_agent).action_cskh_create_faq()
        faq_form = Form(self.env['cskh.faq'].with_user(self.user_agent).with_context(**action['context']))
        self.assertEqual(faq_form.title, 'Cách vệ sinh lồng máy giặt')
        self.assertIn('vệ sinh lồng giặt mỗi tháng', faq_form.answer)
        faq = faq_form.save()
        self.assertFalse(faq.is_published)
        self.assertEqual(faq.ticket_id, ticket)
        self.assertEqual(faq.team_ids, self.team)

    def test_auto_reply_with_article(self):
        self.env['cskh.auto.reply'].create({
            'name': 'Bảo hành máy giặt', 'keywords': 'bao hanh', 'faq_id': self.faq_washer.id,
            'team_ids': [Command.link(self.team.id)]})
        ticket = self._process(self._mail(subject='Hỏi bảo hành', body='Máy giặt của tôi bảo hành bao lâu?'))
        answers = self._auto_messages(ticket).filtered(lambda m: '24 tháng' in str(m.body))
        self.assertEqual(len(answers), 1)
        self.assertIn(self.faq_washer.url, answers.body)
        self.assertEqual(answers.partner_ids, ticket.partner_id)
        self.assertTrue(self._new_mails.filtered(lambda mail: '24 tháng' in str(mail.body_html)))

    def test_auto_reply_ignores_unpublished_article(self):
        self.env['cskh.auto.reply'].create({
            'name': 'Bản nháp', 'keywords': 'tu lanh', 'faq_id': self.faq_draft.id})
        ticket = self._process(self._mail(subject='Tủ lạnh', body='Tủ lạnh không lạnh.'))
        self.assertFalse(self._auto_messages(ticket).filtered(lambda m: 'Bản nháp' in str(m.body)))


@tagged('post_install', '-at_install', 'cskh')
class TestFaqPortal(CskhFaqCommon, CskhPortalCommon):

    def assertRecordValues(self, records, expected_values, **kwargs):
        # the help center counts with SQL UPDATEs in the request: read the counters again
        records.invalidate_recordset()
        return super().assertRecordValues(records, expected_values, **kwargs)

    def _get_json(self, url):
        response = self.url_open(url)
        return response, (response.json() if response.status_code == 200 else None)

    def test_pages_public(self):
        self.authenticate(None, None)
        response = self.url_open('/cskh/faq')
        self.assertEqual(response.status_code, 200)
        self.assertIn('Bảo hành máy giặt bao lâu?', response.text)
        self.assertNotIn('bản nháp', response.text)
        response = self.url_open(self.faq_washer.url)
        self.assertEqual(response.status_code, 200)
        self.assertIn('24 tháng', response.text)
        self.assertRecordValues(self.faq_washer, [{'view_count': 1}])
        response = self.url_open(f'/cskh/faq/category/{self.category.id}')
        self.assertIn('Bảo hành máy giặt bao lâu?', response.text, "articles of the subcategories")
        for faq in (self.faq_draft, self.faq_c2):
            with mute_logger('odoo.http'):
                self.assertEqual(self.url_open(faq.url).status_code, 404, faq.title)

    def test_pages_portal(self):
        self.authenticate('cskh_portal', 'cskh_portal')
        self.assertEqual(self.url_open(self.faq_password.url).status_code, 200)
        with mute_logger('odoo.http'):
            self.assertEqual(self.url_open(self.faq_draft.url).status_code, 404)
            self.assertEqual(self.url_open(self.faq_c2.url).status_code, 404)
        response = self.url_open('/cskh/faq?search=bao+hanh+may+giat')
        self.assertNotIn('công ty 2', response.text)
        self.assertIn('/my/cskh-tickets/new?name=bao+hanh+may+giat', response.text)

    def test_search_page_and_no_result_log(self):
        self.authenticate(None, None)
        response = self.url_open('/cskh/faq?search=bao%20hanh%20may%20giat')
        self.assertIn('Bảo hành máy giặt bao lâu?', response.text)
        self.assertIn('/cskh/submit?name=bao+hanh+may+giat', response.text, "still need help: the search goes to the form")
        response = self.url_open('/cskh/faq?search=' + quote('hóa đơn điện tử'))
        self.assertIn('o_cskh_faq_no_result', response.text)
        logs = self.env['cskh.faq.search.log'].search([], order='id')
        self.assertRecordValues(logs, [
            {'query': 'bao hanh may giat', 'query_normalized': 'bao hanh may giat', 'has_result': True,
             'first_faq_id': self.faq_washer.id, 'source': 'portal'},
            {'query': 'hóa đơn điện tử', 'query_normalized': 'hoa don dien tu', 'has_result': False,
             'first_faq_id': False, 'source': 'portal'},
        ])

    def test_vote_once_per_visitor(self):
        self.authenticate(None, None)
        self.url_open(self.faq_washer.url)
        vote_url = f'/cskh/faq/article/{self.faq_washer.id}/vote'
        response = self.url_open(vote_url, data={'csrf_token': self._csrf(), 'helpful': '1'})
        self.assertIn('o_cskh_faq_vote_thanks', response.text)
        response = self.url_open(vote_url, data={'csrf_token': self._csrf(), 'helpful': '0'})
        self.assertIn('o_cskh_faq_vote_again', response.text)
        self.assertRecordValues(self.faq_washer, [{'helpful_count': 1, 'not_helpful_count': 0}])
        # another visitor (new session), then a logged-in customer twice
        self.authenticate(None, None)
        self.url_open(vote_url, data={'csrf_token': self._csrf(), 'helpful': '0'})
        self.authenticate('cskh_portal', 'cskh_portal')
        for _i in range(2):
            self.url_open(vote_url, data={'csrf_token': self._csrf(), 'helpful': '1'})
        self.assertRecordValues(self.faq_washer, [{'helpful_count': 2, 'not_helpful_count': 1}])
        self.faq_washer.invalidate_recordset()
        self.assertEqual(len(self.faq_washer.vote_ids), 3)
        # no vote without the CSRF token, none on a draft
        with mute_logger('odoo.http'):
            self.assertNotEqual(self.url_open(vote_url, data={'helpful': '1'}).status_code, 200)
            self.url_open(f'/cskh/faq/article/{self.faq_draft.id}/vote', data={'csrf_token': self._csrf(), 'helpful': '1'})
        self.env.invalidate_all()
        self.assertEqual(self.faq_washer.helpful_count + self.faq_draft.helpful_count, 2)

    def test_suggest_route(self):
        self.authenticate(None, None)
        response, data = self._get_json('/cskh/faq/suggest?q=' + quote('bao hanh may giat'))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(data['articles'][0]['id'], self.faq_washer.id)
        self.assertIn('?src=form', data['articles'][0]['url'])
        self.assertNotIn(self.faq_draft.id, [a['id'] for a in data['articles']])
        self.assertNotIn(self.faq_c2.id, [a['id'] for a in data['articles']])
        self.assertRecordValues(self.faq_washer, [{'suggested_count': 1}])
        log = self.env['cskh.faq.search.log'].search([])
        self.assertRecordValues(log, [{'source': 'form', 'has_result': True}])
        _response, data = self._get_json('/cskh/faq/suggest?q=ab')
        self.assertEqual(data['articles'], [], "too short to search")

    def test_suggest_constant_queries(self):
        self.authenticate(None, None)
        url = '/cskh/faq/suggest?q=' + quote('bao hanh may giat')
        self.url_open(url)  # warm the caches

        def count_queries():
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            self.assertEqual(self.url_open(url).status_code, 200)
            return self.cr.sql_log_count - before

        small = count_queries()
        self.env['cskh.faq'].create([
            {'title': f'Câu hỏi {n} về bảo hành máy giặt', 'answer': f'<p>Trả lời {n}</p>', 'is_published': True}
            for n in range(50)])
        self.url_open(url)  # the caches the creation cleared
        self.assertEqual(count_queries(), small)

    def test_suggest_rate_limited(self):
        self.env['ir.config_parameter'].set_param('cskh_helpdesk.faq_suggest_rate_limit', 3)
        self.authenticate(None, None)
        statuses = [self.url_open('/cskh/faq/suggest?q=bao+hanh').status_code for _i in range(4)]
        self.assertEqual(statuses, [200, 200, 200, 429])
        self.assertEqual(self.env['cskh.faq.search.log'].search_count([]), 3)

    def test_deflection_tracking(self):
        self.authenticate(None, None)
        self.url_open('/cskh/faq/suggest?q=bao+hanh+may+giat')
        self.url_open(f'{self.faq_washer.url}?src=form')
        self.assertRecordValues(self.faq_washer, [{
            'suggested_count': 1, 'form_open_count': 1, 'form_ticket_count': 0, 'deflected_count': 1}])
        # this visitor submits his ticket anyway: the article did not avoid it
        self.url_open('/cskh/submit', data=self._form_data(name='Bảo hành máy giặt'))
        self.assertEqual(len(self._web_tickets()), 1)
        self.assertRecordValues(self.faq_washer, [{'form_open_count': 1, 'form_ticket_count': 1, 'deflected_count': 0}])
        # another visitor reads it and leaves
        self.authenticate(None, None)
        self.url_open(f'{self.faq_washer.url}?src=form')
        self.assertRecordValues(self.faq_washer, [{'form_open_count': 2, 'deflected_count': 1}])
        # and reloads it, or comes back to it from the form: still one visitor helped
        self.url_open(f'{self.faq_washer.url}?src=form')
        self.url_open(f'{self.faq_washer.url}?src=form')
        self.assertRecordValues(self.faq_washer, [{'form_open_count': 2, 'deflected_count': 1}])

    def test_deflection_ignores_bots(self):
        """A crawler or a link preview fetching a suggestion's link reads nothing: no view,
        no article opened from the form, no ticket avoided."""
        self.authenticate(None, None)
        views = self.faq_washer.view_count
        for agent in ('Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
                      'facebookexternalhit/1.1', 'WhatsApp/2.23.20.0', 'curl/8.5.0'):
            response = self.url_open(f'{self.faq_washer.url}?src=form', headers={'User-Agent': agent})
            self.assertEqual(response.status_code, 200, "the page is served all the same")
        self.faq_washer.invalidate_recordset()
        self.assertRecordValues(self.faq_washer, [{
            'view_count': views, 'form_open_count': 0, 'deflected_count': 0}])

    def test_form_prefilled_from_search(self):
        self.authenticate(None, None)
        response = self.url_open('/cskh/submit?name=' + quote('bao hanh may giat'))
        self.assertIn('value="bao hanh may giat"', response.text)
        self.assertIn('o_cskh_faq_suggestions', response.text)


@tagged('post_install', '-at_install', 'cskh')
class TestFaqProcessTemplates(CskhCommon):

    def _apply(self, template, name, alias, with_faqs=True):
        action = self.env['ir.actions.act_window']._for_xml_id('cskh_helpdesk.cskh_process_template_apply_action')
        wizard_form = Form.from_action(self.env, action)
        wizard_form.template_id = template
        wizard_form.team_name = name
        wizard_form.alias_name = alias
        self.assertTrue(wizard_form.with_faqs, "sample articles are proposed")
        wizard_form.with_faqs = with_faqs
        return self.env['cskh.team'].browse(wizard_form.save().action_apply()['res_id'])

    @users('cskh_manager')
    def test_templates_seed_sample_articles(self):
        for code in ('basic', 'b2b', 'retail', 'spa', 'education'):
            with self.subTest(template=code):
                template = self.env.ref(f'cskh_helpdesk.process_template_{code}')
                self.assertGreaterEqual(len(template.faq_ids), 3)
                team = self._apply(template, f"KB {code}", f"kb-{code}")
                faqs = self.env['cskh.faq'].search([('team_ids', 'in', team.ids)])
                self.assertEqual(sorted(faqs.mapped('title')), sorted(template.faq_ids.mapped('title')))
                self.assertFalse(any(faqs.mapped('is_published')), "samples wait for a manager's review")
                self.assertTrue(all(faqs.mapped('category_id')))
                self.assertTrue(all(faqs.mapped('search_text')))
                # applied again: nothing duplicated
                template._apply_to_team(team, with_faqs=True)
                self.assertEqual(self.env['cskh.faq'].search_count([('team_ids', 'in', team.ids)]), len(faqs))

    @users('cskh_manager')
    def test_sample_articles_optional(self):
        team = self._apply(self.env.ref('cskh_helpdesk.process_template_retail'), "KB none", "kb-none", with_faqs=False)
        self.assertFalse(self.env['cskh.faq'].search_count([('team_ids', 'in', team.ids)]))


@tagged('post_install', '-at_install', 'cskh')
class TestFaqReports(CskhFaqCommon):

    def test_report_actions(self):
        """Managers read the knowledge base reports: each action loads its views and
        aggregates stored columns; searches without result are grouped by folded text."""
        Log = self.env['cskh.faq.search.log']
        nothing = self.env['cskh.faq']
        for query, found in (('Hóa đơn điện tử', nothing), ('hoa don dien tu!', nothing), ('bao hanh', self.faq_washer)):
            Log._cskh_log(query, found, 'portal', self.env.company)
        Log._cskh_log('hóa đơn', self.env['cskh.faq'], 'portal', self.company_2)
        self.faq_washer._cskh_increment(('view_count', 7), ('helpful_count', 3))
        self.faq_return._cskh_increment(('view_count', 2), ('not_helpful_count', 4))
        for xmlid in ('cskh_faq_action_report_viewed', 'cskh_faq_action_report_helpful',
                      'cskh_faq_action_report_not_helpful', 'cskh_faq_action_report_deflection',
                      'cskh_faq_search_log_action_no_result'):
            action = self.env['ir.actions.act_window'].with_user(self.user_manager)._for_xml_id(f'cskh_helpdesk.{xmlid}')
            model = self.env[action['res_model']].with_user(self.user_manager)
            model.get_views([(False, mode) for mode in action['view_mode'].split(',')])
        Faq = self.env['cskh.faq'].with_user(self.user_manager)
        self.assertEqual(Faq.search([('view_count', '>', 0)], order='view_count desc'), self.faq_washer | self.faq_return)
        self.assertEqual(Faq.search([('not_helpful_count', '>', 0)]), self.faq_return)
        groups = Log.with_user(self.user_manager)._read_group(
            [('has_result', '=', False)], ['query_normalized'], ['__count'])
        self.assertEqual(groups, [('hoa don dien tu', 2)], "other companies' searches stay theirs")


@tagged('post_install', '-at_install', 'cskh')
class TestFaqVietnamese(CskhCommon):
    """With Vietnamese loaded, the sample articles come in both languages and are found
    in either, with or without accents; the help center reads in Vietnamese."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env['res.lang']._activate_lang('vi_VN')
        cls.env['ir.module.module']._load_module_terms(['cskh_helpdesk'], ['vi_VN'], overwrite=True)

    def test_sample_articles_in_vietnamese(self):
        template = self.env.ref('cskh_helpdesk.process_template_retail')
        template._apply_to_team(self.team, with_faqs=True)
        faq = self.env['cskh.faq'].search([('team_ids', 'in', self.team.ids), ('title', '=', 'How long is the warranty of my product?')])
        self.assertEqual(faq.with_context(lang='vi_VN').title, 'Sản phẩm của tôi được bảo hành bao lâu?')
        self.assertIn('bảo hành từ 12 đến 24 tháng', faq.with_context(lang='vi_VN').answer)
        self.assertEqual(faq.category_id.with_context(lang='vi_VN').name, 'Bảo hành và đổi trả')
        faq.action_publish()
        domain = self.env['cskh.faq']._cskh_get_public_domain(self.env.company)
        for query in ('san pham bao hanh bao lau', 'Sản phẩm bảo hành bao lâu', 'warranty of my product'):
            self.assertEqual(self.env['cskh.faq']._cskh_search(query, domain=domain)[:1], faq, query)

    def test_views_translated(self):
        arch = self.env['cskh.faq'].with_context(lang='vi_VN').get_views([(False, 'form')])['views']['form']['arch']
        self.assertIn('Xuất bản', arch)
        self.assertIn('Đánh dấu đã duyệt', arch)
        ticket_arch = self.env['cskh.ticket'].with_context(lang='vi_VN').get_views([(False, 'form')])['views']['form']['arch']
        self.assertIn('Bài viết gợi ý', ticket_arch)
        self.assertIn('Trả lời bằng bài viết', ticket_arch)
