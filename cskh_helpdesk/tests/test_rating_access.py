from datetime import datetime

from odoo.exceptions import AccessError
from odoo.tests import tagged, users
from odoo.tools import mute_logger

from odoo.addons.rating.tests import test_controller as rating_test_controller, test_security as rating_test_security

from .common import CskhCommon


@tagged('post_install', '-at_install', 'cskh')
class TestRatingAccess(CskhCommon):
    """Ratings of tickets follow the tickets' visibility; ratings of other documents
    stay readable by every employee, as in Odoo core."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket_open = cls._create_ticket(name='Open team ticket', partner_id=cls.customer.id)
        cls.ticket_private = cls._create_ticket(
            name='Private team ticket', team_id=cls.team_private.id, partner_id=cls.customer.id)
        cls.ticket_c2 = cls.env['cskh.ticket'].create({
            'name': 'Company 2 ticket', 'team_id': cls.team_c2.id, 'partner_id': cls.customer.id})
        cls.rating_open = cls._create_rating(cls.ticket_open, 5)
        cls.rating_private = cls._create_rating(cls.ticket_private, 4)
        cls.rating_c2 = cls._create_rating(cls.ticket_c2, 3)
        # a rating of another app's document (as project, livechat or crm leave them)
        cls.rating_partner = cls.env['rating.rating'].create({
            'res_model_id': cls.env['ir.model']._get_id('res.partner'),
            'res_id': cls.customer.id,
            'rating': 2,
            'consumed': True,
        })
        cls.ticket_ratings = cls.rating_open | cls.rating_private | cls.rating_c2

    @classmethod
    def _create_rating(cls, ticket, value):
        return cls.env['rating.rating'].create({
            'res_model_id': cls.env['ir.model']._get_id('cskh.ticket'),
            'res_id': ticket.id,
            'partner_id': ticket.partner_id.id,
            'rating': value,
            'consumed': True,
        })

    def _visible_ratings(self):
        return self.env['rating.rating'].search([('id', 'in', (self.ticket_ratings | self.rating_partner).ids)])

    def test_rating_links_its_ticket(self):
        self.assertEqual(self.rating_private.cskh_ticket_id, self.ticket_private)
        self.assertFalse(self.rating_partner.cskh_ticket_id)
        self.assertEqual(self.rating_private.parent_res_model, 'cskh.team')
        self.assertEqual(self.rating_private.parent_res_id, self.team_private.id)
        self.ticket_private.unlink()
        self.assertFalse(self.rating_private.exists(), "a ticket's ratings go with it")

    @users('cskh_agent')
    @mute_logger('odoo.addons.base.models.ir_rule')
    def test_agent_of_other_team(self):
        """An agent who cannot read a ticket of a members-only team cannot read or write its rating."""
        self.assertEqual(self._visible_ratings().ids, (self.rating_open | self.rating_partner).sorted().ids)
        rating = self.env['rating.rating'].browse(self.rating_private.id)
        with self.assertRaises(AccessError):
            rating.read(['rating', 'feedback'])
        with self.assertRaises(AccessError):
            rating.write({'rating': 1, 'feedback': 'Forged'})
        with self.assertRaises(AccessError):
            rating.unlink()
        self.assertEqual(self.rating_private.sudo().rating, 4)
        # the ratings of the tickets he sees stay editable, as Odoo lets employees do
        self.env['rating.rating'].browse(self.rating_open.id).write({'feedback': 'Rất hài lòng'})
        # grouped statistics only count what he may read
        groups = self.env['rating.rating']._read_group(
            [('id', 'in', self.ticket_ratings.ids)], ['parent_res_id'], ['__count'])
        self.assertEqual(groups, [(self.team.id, 1)])

    @users('cskh_agent_3')
    def test_member_of_private_team(self):
        self.assertEqual(self._visible_ratings().ids,
                         (self.rating_open | self.rating_private | self.rating_partner).sorted().ids)
        self.env['rating.rating'].browse(self.rating_private.id).write({'feedback': 'Đã gọi lại'})

    @users('cskh_agent')
    def test_assignee_reads_rating_of_his_ticket(self):
        self.ticket_private.sudo().user_id = self.env.user
        self.assertIn(self.rating_private.id, self._visible_ratings().ids)

    @users('cskh_agent_c2')
    def test_agent_reads_ratings_of_own_company_only(self):
        ratings = self.env['rating.rating'].with_context(allowed_company_ids=self.company_2.ids)
        visible = ratings.search([('id', 'in', (self.ticket_ratings | self.rating_partner).ids)])
        self.assertEqual(visible.ids, (self.rating_c2 | self.rating_partner).sorted().ids)

    @users('cskh_manager')
    def test_manager_reads_every_ticket_rating(self):
        self.assertEqual(self._visible_ratings().ids,
                         (self.rating_open | self.rating_private | self.rating_partner).sorted().ids,
                         "managers see every ticket's rating of their companies")
        ratings = self.env['rating.rating'].with_context(allowed_company_ids=(self.env.company | self.company_2).ids)
        self.env.user.sudo().company_ids |= self.company_2
        self.assertEqual(len(ratings.search([('id', 'in', self.ticket_ratings.ids)])), 3)

    @users('plain_employee')
    @mute_logger('odoo.addons.base.models.ir_rule')
    def test_employee_of_another_app(self):
        """An employee without helpdesk rights reads no ticket rating, and still reads,
        writes and creates the ratings of other documents as before."""
        self.assertEqual(self._visible_ratings(), self.rating_partner.with_env(self.env))
        with self.assertRaises(AccessError):
            self.env['rating.rating'].browse(self.rating_open.id).read(['rating'])
        rating = self.env['rating.rating'].browse(self.rating_partner.id)
        rating.write({'feedback': 'Ok'})
        self.assertEqual(rating.feedback, 'Ok')
        self.assertEqual(
            self.env['rating.rating'].search_count([('res_model', '=', 'res.partner'), ('id', '=', rating.id)]), 1)
        created = self.env['rating.rating'].create({
            'res_model_id': self.env['ir.model']._get_id('res.partner'),
            'res_id': self.customer.id,
            'rating': 5,
        })
        self.assertEqual(created.rating, 5)
        with self.assertRaises(AccessError):
            self.env['rating.rating'].create({
                'res_model_id': self.env['ir.model']._get_id('cskh.ticket'),
                'res_id': self.ticket_open.id,
                'rating': 5,
            })

    def test_rating_without_model_stays_visible(self):
        """A rating without document model (not a ticket's) is not caught by the ticket rules."""
        orphan = self.env['rating.rating'].create({'res_id': self.customer.id, 'rating': 3})
        self.assertFalse(orphan.res_model)
        self.assertEqual(
            self.env['rating.rating'].with_user(self.user_employee_plain).search([('id', '=', orphan.id)]), orphan)


@tagged('post_install', '-at_install', 'cskh')
class TestDashboardRatingRights(CskhCommon):
    """The team overview's satisfaction figures are computed with the reader's rights:
    an agent does not learn the scores of a team whose tickets he cannot read."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ticket = cls._create_ticket(name='Private team ticket', team_id=cls.team_private.id,
                                    partner_id=cls.customer.id)
        response = cls.env['cskh.survey.response'].create({
            'ticket_id': ticket.id, 'closure_key': 1, 'partner_id': cls.customer.id,
            'state': 'answered', 'date_sent': datetime.now(), 'date': datetime.now(), 'csat': 4,
        })
        response._create_ratings()
        response.rating_id.write({'rating': 4, 'consumed': True})

    def _team_kpis(self):
        team = self.env['cskh.team'].browse(self.team_private.id)
        return {
            'rating_count': team.rating_count,
            'rating_percentage_satisfaction': team.rating_percentage_satisfaction,
            'survey_csat_avg': team.survey_csat_avg,
            'survey_answered_count': team.survey_answered_count,
            'csat_avg_7d': team.csat_avg_7d,
        }

    @users('cskh_agent_3')
    def test_member_sees_his_team_scores(self):
        self.assertEqual(self._team_kpis(), {
            'rating_count': 1, 'rating_percentage_satisfaction': 100, 'survey_csat_avg': 4.0,
            'survey_answered_count': 1, 'csat_avg_7d': 4.0,
        })

    @users('cskh_manager')
    def test_manager_sees_every_team_scores(self):
        self.assertEqual(self._team_kpis()['rating_count'], 1)
        self.assertEqual(self._team_kpis()['survey_csat_avg'], 4.0)

    @users('cskh_agent')
    def test_agent_does_not_see_other_team_scores(self):
        self.assertEqual(self._team_kpis(), {
            'rating_count': 0, 'rating_percentage_satisfaction': -1, 'survey_csat_avg': 0.0,
            'survey_answered_count': 0, 'csat_avg_7d': 0.0,
        })


@tagged('post_install', '-at_install', 'cskh')
class TestCoreRatingAccessWithHelpdesk(rating_test_security.TestAccessRating):
    """Odoo's own rating access tests, run with the helpdesk's rating rules installed."""
    allow_inherited_tests_method = True


@tagged('post_install', '-at_install', 'cskh')
class TestCoreRatingControllerWithHelpdesk(rating_test_controller.TestControllersRoute):
    """Odoo's own rating page tests (employees, portal users, visitors rating a document)."""
    allow_inherited_tests_method = True
