import codecs
import logging

from odoo import api, models, tools
from odoo.tools.mail import append_content_to_html

_logger = logging.getLogger(__name__)

# charsets that mailers often declare by default while they actually write UTF-8
UTF8_MISLABELS = {'us-ascii', 'ascii', 'iso-8859-1', 'latin-1', 'latin1', 'windows-1252', 'cp1252',
                  'windows-1258', 'cp1258'}


class MailThread(models.AbstractModel):
    _inherit = 'mail.thread'

    def _message_parse_extract_payload(self, message, message_dict, save_original=False):
        """Never lose a customer's mail on broken MIME: unknown charsets are read as UTF-8
        (undecodable bytes replaced) instead of aborting the gateway, and the text of a
        multipart whose boundaries are wrong is kept as plain text instead of dropped.
        Text declared in a default single-byte charset (us-ascii, latin-1, windows-1252/1258)
        whose bytes are in fact valid UTF-8 is read as UTF-8, so Vietnamese text from
        misconfigured mailers is not garbled."""
        self._message_parse_relabel_utf8(message)
        try:
            payload = super()._message_parse_extract_payload(message, message_dict, save_original=save_original)
        except (LookupError, UnicodeError):
            _logger.info("Mail %s: unknown or wrong charset, decoding it as UTF-8", message_dict.get('message_id'))
            self._message_parse_repair_charsets(message)
            payload = super()._message_parse_extract_payload(message, message_dict, save_original=save_original)
        if not payload['body'] and message.defects and not message.is_multipart():
            raw = message.get_payload(decode=True) or b''
            text = raw.decode('utf-8', errors='replace').strip()
            if text:
                payload['body'] = append_content_to_html('', text, preserve=True)
        return payload

    @api.model
    def _message_parse_relabel_utf8(self, message):
        """Relabel as UTF-8 the text parts declared in a default single-byte charset whose
        8-bit bytes decode as UTF-8: text in those charsets practically never forms valid
        multi-byte UTF-8 sequences, while UTF-8 text mislabelled that way is common."""
        for part in message.walk():
            if part.is_multipart() or part.get_content_maintype() != 'text':
                continue
            charset = str(part.get_param('charset') or '').lower()
            if charset not in UTF8_MISLABELS:
                continue
            raw = part.get_payload(decode=True) or b''
            if raw.isascii():
                continue
            try:
                raw.decode('utf-8')
            except UnicodeDecodeError:
                continue
            part.set_param('charset', 'utf-8')

    @api.model
    def _message_parse_repair_charsets(self, message):
        for part in message.walk():
            charset = part.get_param('charset')
            if not charset or part.is_multipart():
                continue
            try:
                codecs.lookup(str(charset))
            except LookupError:
                part.set_param('charset', 'utf-8')

    @api.model
    def _message_route_process(self, message, message_dict, routes):
        """Tell helpdesk tickets whether the mail they receive was sent by a machine.

        Only the gateway sees the raw headers (Auto-Submitted, Precedence...), while the
        tickets decide on automatic answers and reopening: the verdict travels in the context
        (``cskh_mail_automatic``) to ``message_new``/``message_update`` and to the emails
        they schedule.
        """
        if any(route[0] == 'cskh.ticket' for route in routes or ()):
            is_automatic = self.env['cskh.ticket']._mail_is_automatic(message, message_dict)
            self = self.with_context(cskh_mail_automatic=is_automatic)
        return super()._message_route_process(message, message_dict, routes)

    @api.model
    def _routing_reset_bounce(self, email_message, message_dict):
        """Same as the gateway's: a mail from an address proves it is valid, its bounce
        counters are reset on every model having one. The list of those models is
        remembered (it only changes with the registry) instead of searched per mail."""
        normalized_from = tools.email_normalize(message_dict['email_from'])
        if not normalized_from:
            return
        for model_name in self._get_blacklist_model_names():
            if model_name in self.env:  # transient test models
                self.env[model_name].sudo().search([
                    ('message_bounce', '>', 0), ('email_normalized', '=', normalized_from),
                ])._message_reset_bounce(normalized_from)

    @api.model
    @tools.ormcache()
    def _get_blacklist_model_names(self):
        """Models using the blacklist mixin (with bounce counters), cached with the registry."""
        models = self.env['ir.model'].sudo().search_fetch(
            [('is_mail_blacklist', '=', True), ('model', '!=', 'mail.thread.blacklist')], ['model'])
        return tuple(models.mapped('model'))
