from odoo.fields import Command
from odoo.addons.mail.tests.common import MailCommon, mail_new_test_user


class CskhCommon(MailCommon):
    """Users per group, two companies, stages and two teams, built once per class."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2 = cls.env['res.company'].create({'name': 'Công ty Thứ Hai'})
        cls.user_agent = mail_new_test_user(
            cls.env, login='cskh_agent', name='Agent Lan', email='lan@example.com',
            groups='base.group_user,cskh_helpdesk.cskh_helpdesk_group_agent',
            company_id=cls.env.company.id)
        cls.user_agent_2 = mail_new_test_user(
            cls.env, login='cskh_agent_2', name='Agent Minh', email='minh@example.com',
            groups='base.group_user,cskh_helpdesk.cskh_helpdesk_group_agent',
            company_id=cls.env.company.id)
        cls.user_agent_3 = mail_new_test_user(
            cls.env, login='cskh_agent_3', name='Agent Nam', email='nam@example.com',
            groups='base.group_user,cskh_helpdesk.cskh_helpdesk_group_agent',
            company_id=cls.env.company.id)
        cls.user_manager = mail_new_test_user(
            cls.env, login='cskh_manager', name='Manager Ha', email='ha@example.com',
            groups='base.group_user,cskh_helpdesk.cskh_helpdesk_group_manager',
            company_id=cls.env.company.id)
        cls.user_agent_c2 = mail_new_test_user(
            cls.env, login='cskh_agent_c2', name='Agent Company 2', email='c2@example.com',
            groups='base.group_user,cskh_helpdesk.cskh_helpdesk_group_agent',
            company_id=cls.company_2.id, company_ids=[Command.set(cls.company_2.ids)])
        cls.user_employee_plain = mail_new_test_user(
            cls.env, login='plain_employee', name='Plain Employee', email='plain@example.com',
            groups='base.group_user')

        Stage = cls.env['cskh.stage']
        cls.stage_new = Stage.create({'name': 'New', 'sequence': 1})
        cls.stage_progress = Stage.create({'name': 'In Progress', 'sequence': 5})
        cls.stage_waiting = Stage.create({'name': 'Waiting', 'sequence': 7, 'sla_pause': True})
        cls.stage_solved = Stage.create({'name': 'Solved', 'sequence': 10, 'is_closed': True, 'fold': True})
        cls.stage_cancel = Stage.create({
            'name': 'Cancelled', 'sequence': 11, 'is_closed': True, 'is_cancel': True, 'fold': True})
        cls.stages = cls.stage_new | cls.stage_progress | cls.stage_waiting | cls.stage_solved | cls.stage_cancel
        cls.other_stage = Stage.create({'name': 'Other Team Stage', 'sequence': 0})

        Team = cls.env['cskh.team']
        cls.team = Team.create({
            'name': 'Hỗ trợ kỹ thuật',
            'alias_name': 'hotro',
            'member_ids': [Command.set((cls.user_agent | cls.user_agent_2).ids)],
            'leader_id': cls.user_manager.id,
            'stage_ids': [Command.set(cls.stages.ids)],
        })
        cls.team_private = Team.create({
            'name': 'Bảo hành',
            'alias_name': 'baohanh',
            'visibility': 'members',
            'member_ids': [Command.set(cls.user_agent_3.ids)],
            'stage_ids': [Command.set((cls.other_stage | cls.stage_solved).ids)],
        })
        cls.team_c2 = Team.create({
            'name': 'Team Company 2',
            'company_id': cls.company_2.id,
            'member_ids': [Command.set(cls.user_agent_c2.ids)],
            'stage_ids': [Command.set(cls.stages.ids)],
        })
        cls.customer = cls.env['res.partner'].create({
            'name': 'Nguyễn Văn An', 'email': 'an.nguyen@example.vn', 'cskh_customer_tier': 'vip'})

    @classmethod
    def _create_ticket(cls, **values):
        return cls.env['cskh.ticket'].create({'name': 'Không đăng nhập được', 'team_id': cls.team.id, **values})
