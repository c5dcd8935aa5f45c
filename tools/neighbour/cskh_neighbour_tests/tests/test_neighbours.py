"""Odoo's own test classes of the apps that share the mail gateway and the chatter
with cskh_helpdesk, re-declared here to run post-install.

Odoo only collects the test methods a class defines itself and only the classes
defined in the module being tested: each class below is an empty subclass of the
core one, declared in this module, that asks for the inherited test methods
(``allow_inherited_tests_method``). The core modules are imported as modules (not
their classes), so that the core classes themselves are not collected twice.
"""
from odoo.tests import tagged

from odoo.addons.mail.tests import test_mail_render
from odoo.addons.resource.tests import test_flexible_resource_calendar, test_resource_calendar
from odoo.addons.test_resource.tests import test_calendar, test_resource, test_timezones
from odoo.addons.crm.tests import test_crm_lead_notification, test_performances as crm_performances
from odoo.addons.portal.tests import (
    test_addresses, test_login, test_message_format_portal, test_pager, test_portal, test_portal_wizard,
    test_tours,
)
from odoo.addons.rating.tests import test_controller, test_security
from odoo.addons.test_mail.tests import (
    test_mail_alias, test_mail_composer, test_mail_gateway, test_mail_mail, test_mail_template,
    test_mail_thread_internals, test_message_post, test_performance,
)

CLASSES = {
    test_mail_gateway: ['TestEmailParsing', 'TestMailgateway', 'TestMailGatewayLoops',
                        'TestMailGatewayRecipients', 'TestMailGatewayReplies', 'TestMailThreadCC'],
    test_mail_alias: ['TestMailAlias', 'TestAliasCompany', 'TestMailAliasDomain', 'TestMailAliasMixin'],
    test_mail_thread_internals: ['TestAPI', 'TestChatterTweaks', 'TestDiscuss', 'TestNotification', 'TestNoThread'],
    test_message_post: ['TestMailNotifyAPI', 'TestMessageNotify', 'TestMessageLog', 'TestMessagePost',
                        'TestMessagePostHelpers', 'TestMessagePostGlobal', 'TestMessagePostLang'],
    test_performance: ['TestBaseMailPerformance', 'TestBaseAPIPerformance', 'TestMailAPIPerformance',
                       'TestMessageToStorePerformance', 'TestPerformance'],
    test_mail_mail: ['TestMailMail', 'TestMailMailServer', 'TestMailMailRace'],
    test_mail_composer: ['TestComposerForm', 'TestComposerInternals', 'TestComposerResultsComment'],
    test_crm_lead_notification: ['NewLeadNotification'],
    crm_performances: ['TestLeadAssignPerf'],
    test_controller: ['TestControllersRoute'],
    test_security: ['TestAccessRating'],
    test_addresses: ['TestPortalAddresses'],
    test_login: ['TestWebLoginPortal'],
    test_message_format_portal: ['TestMessageFormatPortal'],
    test_pager: ['TestPager'],
    test_portal: ['TestUsersHttp'],
    test_portal_wizard: ['TestPortalWizard'],
    test_tours: ['TestUi'],
    # the add-on extends ir.qweb (compiled mail bodies) and resource.calendar (cached work intervals)
    test_mail_render: ['TestMailRender', 'TestRegexRendering', 'TestMailRenderSecurity'],
    test_mail_template: ['TestMailTemplate', 'TestMailTemplateLanguages'],
    test_resource_calendar: ['TestResourceCalendar'],
    test_flexible_resource_calendar: ['TestFlexibleResourceCalendar'],
    test_calendar: ['TestCalendar'],
    test_resource: ['TestResource'],
    test_timezones: ['TestTimezones'],
}


def _redeclare(core_module, name):
    core_class = getattr(core_module, name)
    app = core_module.__name__.split('.')[2]
    cls = type(name, (core_class,), {
        '__module__': __name__,
        '__qualname__': name,
        '__doc__': f"{app}: {core_module.__name__.rsplit('.', 1)[1]}.{name}, run post-install.",
        'allow_inherited_tests_method': True,
    })
    return tagged('post_install', '-at_install', 'cskh_neighbour', f'cskh_neighbour_{app}')(cls)


for _module, _names in CLASSES.items():
    for _name in _names:
        globals()[_name] = _redeclare(_module, _name)
del _module, _names, _name
