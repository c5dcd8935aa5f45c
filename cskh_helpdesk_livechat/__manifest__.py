{
    'name': 'CSKH Helpdesk - Live Chat',
    'version': '19.0.1.0.0',
    'category': 'Services/Helpdesk',
    'summary': 'Create helpdesk tickets from live chat conversations (/ticket command)',
    'author': 'cskh_helpdesk developers',
    'license': 'LGPL-3',
    'depends': [
        'cskh_helpdesk',
        'im_livechat',
    ],
    'data': [
        'views/cskh_ticket_views.xml',
        'views/im_livechat_channel_views.xml',
    ],
    'assets': {
        'web.assets_backend': [
            'cskh_helpdesk_livechat/static/src/core/**/*',
        ],
    },
    'auto_install': True,
}
