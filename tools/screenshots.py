#!/usr/bin/env python3
"""Take the README / Odoo Apps screenshots from a running demo database.

Usage (the demo server must run, e.g. `make run` in another terminal):

    python3 tools/screenshots.py --url http://127.0.0.1:8069 --db cskh_demo

or simply `make screenshots` (same PORT/DB variables as `make run`).

It logs in through Odoo's JSON-RPC (`/web/session/authenticate`), starts a
headless Chromium with a throwaway profile, hands it the session cookie through
the DevTools protocol, opens each page, waits until it is rendered and saves a
PNG under cskh_helpdesk/static/description/. Only loopback URLs are accepted:
the script is meant for the local demo database, never for a real instance.

Needs: chromium (or google-chrome), and the Python packages requests,
websocket-client and Pillow (all Odoo 19 requirements).
"""
import argparse
import base64
import io
import ipaddress
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlsplit

import requests
import websocket
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, 'cskh_helpdesk', 'static', 'description')
MAX_BYTES = 300 * 1024
WIDTH, HEIGHT = 1440, 900

# (file name, login, url path or callable(session) -> path, CSS selector that proves the page is rendered)
# Web client pages wait for their view and for the end of RPCs; extra seconds let charts animate.
SHOTS = [
    ('screenshot_dashboard.png', 'admin', '/odoo/cskh-helpdesk',
     '.o_kanban_view .o_kanban_record button[name="action_view_open_tickets"]'),
    ('screenshot_kanban.png', 'admin', '/odoo/action-cskh_helpdesk.cskh_ticket_action',
     '.o_kanban_view .o_kanban_record'),
    ('screenshot_ticket_form.png', 'admin', lambda rpc: f'/odoo/action-cskh_helpdesk.cskh_ticket_action/{rpc.ticket_with_sla()}',
     '.o_form_view .o-mail-Message'),
    ('screenshot_report.png', 'admin', '/odoo/cskh-tickets-analysis?view_type=graph',
     '.o_graph_renderer canvas'),
    ('screenshot_sla_analysis.png', 'admin', '/odoo/cskh-sla-analysis',
     '.o_pivot table tbody tr'),
    ('screenshot_portal.png', 'bich', '/my/cskh-tickets',
     '.o_cskh_portal_ticket_row'),
    ('screenshot_survey.png', None, lambda rpc: f'/cskh/survey/{rpc.survey_token()}',
     '.o_cskh_survey form'),
    ('screenshot_channel.png', 'admin', lambda rpc: f'/odoo/cskh-channels/{rpc.zalo_account()}',
     '.o_form_view .o_field_widget[name="webhook_url"]'),
]
PASSWORDS = {'admin': 'admin', 'bich': 'bich'}


def check_loopback(url):
    host = urlsplit(url).hostname or ''
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror:
        sys.exit(f"error: cannot resolve {host!r}")
    if not addresses or not all(ipaddress.ip_address(a.split('%')[0]).is_loopback for a in addresses):
        sys.exit(f"error: {url} is not a loopback address; this script only talks to a local demo database")


class Rpc:
    """A logged-in JSON-RPC session on the demo database."""

    def __init__(self, url, db, login):
        self.url, self.db = url, db
        self.session = requests.Session()
        result = self.call('/web/session/authenticate', {'db': db, 'login': login, 'password': PASSWORDS[login]})
        if not result or not result.get('uid'):
            sys.exit(f"error: cannot log in as {login} on {db}")

    def call(self, path, params):
        response = self.session.post(self.url + path, json={'jsonrpc': '2.0', 'method': 'call', 'params': params},
                                     timeout=60)
        response.raise_for_status()
        data = response.json()
        if data.get('error'):
            raise RuntimeError(json.dumps(data['error'], indent=1)[:2000])
        return data['result']

    def call_kw(self, model, method, args, kwargs=None):
        return self.call(f'/web/dataset/call_kw/{model}/{method}',
                         {'model': model, 'method': method, 'args': args, 'kwargs': kwargs or {}})

    @property
    def session_id(self):
        return self.session.cookies.get('session_id')

    def ticket_with_sla(self):
        """An open ticket with an ongoing SLA and a conversation: the most telling form."""
        lines = self.call_kw('cskh.ticket.sla', 'search_read', [[('status', '=', 'ongoing')]],
                             {'fields': ['ticket_id'], 'order': 'deadline asc'})
        ids = [line['ticket_id'][0] for line in lines]
        tickets = self.call_kw('cskh.ticket', 'search_read', [[('id', 'in', ids)]],
                               {'fields': ['message_ids'], 'order': 'priority desc, id'})
        if not tickets:
            sys.exit("error: the demo has no ticket with an ongoing SLA")
        return max(tickets, key=lambda t: len(t['message_ids']))['id']

    def survey_token(self):
        # the survey's own token: readable by administrators only
        responses = self.call_kw('cskh.survey.response', 'search_read',
                                 [[('state', '=', 'sent'), ('access_token', '!=', False)]],
                                 {'fields': ['access_token'], 'limit': 1})
        if not responses:
            sys.exit("error: the demo has no survey awaiting an answer")
        return responses[0]['access_token']


    def zalo_account(self):
        accounts = self.call_kw('cskh.channel.account', 'search_read', [[('provider', '=', 'zalo_oa')]],
                                {'fields': ['id'], 'limit': 1})
        if not accounts:
            sys.exit("error: the demo has no Zalo channel account")
        return accounts[0]['id']


class Chromium:
    """A headless Chromium driven through the DevTools protocol."""

    def __init__(self):
        binary = next((shutil.which(name) for name in ('chromium', 'chromium-browser', 'google-chrome')
                       if shutil.which(name)), None)
        if not binary:
            sys.exit("error: chromium not found (apt-get install chromium)")
        self.profile = tempfile.mkdtemp(prefix='cskh_screenshots_')
        with socket.socket() as sock:
            sock.bind(('127.0.0.1', 0))
            port = sock.getsockname()[1]
        self.process = subprocess.Popen([
            binary, '--headless=new', '--no-sandbox', '--disable-gpu', '--hide-scrollbars',
            '--no-first-run', '--no-default-browser-check', '--disable-extensions',
            f'--remote-debugging-port={port}', '--remote-debugging-address=127.0.0.1',
            f'--user-data-dir={self.profile}', f'--window-size={WIDTH},{HEIGHT}', 'about:blank',
        ], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.ws = self._connect(port)
        self.next_id = 0
        self.send('Page.enable')
        self.send('Network.enable')
        self.send('Emulation.setDeviceMetricsOverride',
                  width=WIDTH, height=HEIGHT, deviceScaleFactor=1, mobile=False)

    def _connect(self, port):
        for _attempt in range(100):
            try:
                targets = requests.get(f'http://127.0.0.1:{port}/json', timeout=2).json()
                page = next(t for t in targets if t['type'] == 'page')
                return websocket.create_connection(page['webSocketDebuggerUrl'], suppress_origin=True, timeout=60)
            except (requests.ConnectionError, StopIteration, KeyError):
                time.sleep(0.2)
        sys.exit("error: chromium did not start")

    def send(self, method, **params):
        self.next_id += 1
        message_id = self.next_id
        self.ws.send(json.dumps({'id': message_id, 'method': method, 'params': params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get('id') == message_id:
                if 'error' in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get('result', {})

    def set_session(self, url, session_id):
        self.send('Network.clearBrowserCookies')
        if session_id:
            self.send('Network.setCookie', name='session_id', value=session_id, url=url, httpOnly=True)

    def evaluate(self, expression):
        result = self.send('Runtime.evaluate', expression=expression, returnByValue=True)
        return result.get('result', {}).get('value')

    def wait_for(self, selector, timeout=30):
        """Wait until ``selector`` matches and the web client has no RPC in flight."""
        check = (f"!!document.querySelector({json.dumps(selector)}) && "
                 "!document.querySelector('.o_loading_indicator, .o_blockUI')")
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.evaluate(check):
                return
            time.sleep(0.3)
        raise RuntimeError(f"timeout waiting for {selector} on {self.evaluate('location.href')}")

    def screenshot(self, url, selector, settle=2.0):
        self.send('Page.navigate', url=url)
        time.sleep(1)
        self.wait_for(selector)
        time.sleep(settle)  # fonts, avatars and chart animations
        data = self.send('Page.captureScreenshot', format='png', captureBeyondViewport=False)['data']
        return base64.b64decode(data)

    def close(self):
        try:
            self.ws.close()
        finally:
            self.process.terminate()
            self.process.wait(10)
            shutil.rmtree(self.profile, ignore_errors=True)


def save_png(content, path):
    """Save the PNG, reduced to a 256-colour palette when it is over the size budget."""
    if len(content) > MAX_BYTES:
        image = Image.open(io.BytesIO(content)).convert('RGB')
        buffer = io.BytesIO()
        image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            buffer, format='PNG', optimize=True)
        content = buffer.getvalue()
    with open(path, 'wb') as file:
        file.write(content)
    return len(content)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--url', default='http://127.0.0.1:8069', help="demo server (loopback only)")
    parser.add_argument('--db', default='cskh_demo')
    parser.add_argument('--out', default=OUT_DIR)
    parser.add_argument('--only', nargs='*', help="file names to (re)take, e.g. screenshot_kanban.png")
    args = parser.parse_args()
    url = args.url.rstrip('/')
    check_loopback(url)

    rpcs = {login: Rpc(url, args.db, login) for login in PASSWORDS}
    browser = Chromium()
    try:
        for name, login, path, selector in SHOTS:
            if args.only and name not in args.only:
                continue
            if callable(path):
                path = path(rpcs['admin'])
            browser.set_session(url, rpcs[login].session_id if login else None)
            size = save_png(browser.screenshot(url + path, selector), os.path.join(args.out, name))
            print(f"{name}: {path} ({size // 1024} KB)")
    finally:
        browser.close()


if __name__ == '__main__':
    main()
