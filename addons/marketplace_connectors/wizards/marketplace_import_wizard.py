# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import base64

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..core import parsers
from ..core.exceptions import ParseError
from ..core.preview import summarize

# Files from this size on are imported by a background job (system parameter
# marketplace_connectors.background_import_bytes).
BACKGROUND_BYTES = 5_000_000


def _format_selection(_model):
    return [(parser.FORMAT, parser.LABEL) for parser in parsers.PARSERS]


class MarketplaceImportWizard(models.TransientModel):
    """Drop one or more files, see what they hold, then import them."""

    _name = "marketplace.import.wizard"
    _description = "Import Marketplace Files"

    channel_id = fields.Many2one(
        "marketplace.channel",
        required=True,
        default=lambda self: (
            self.env.context.get("active_id")
            if self.env.context.get("active_model") == "marketplace.channel"
            else False
        ),
    )
    attachment_ids = fields.Many2many("ir.attachment", string="Files")
    format_code = fields.Selection(
        _format_selection,
        string="Format",
        help="Leave empty to detect each file's format from its content.",
    )
    state = fields.Selection(
        [("upload", "Upload"), ("preview", "Preview")], default="upload"
    )
    preview_line_ids = fields.One2many(
        "marketplace.import.wizard.line", "wizard_id", readonly=True
    )
    preview_error = fields.Text(readonly=True)

    def _files(self):
        self.ensure_one()
        if not self.attachment_ids:
            raise UserError(self.env._("Add at least one file to import."))
        return [
            (attachment.name, base64.b64decode(attachment.datas or b""))
            for attachment in self.attachment_ids
        ]

    def action_preview(self):
        """Parse the files without writing anything; show payouts and totals."""
        self.ensure_one()
        channel = self.channel_id
        lines, errors = [], []
        for filename, content in self._files():
            try:
                parser = (
                    parsers.get(self.format_code)
                    if self.format_code
                    else parsers.detect(content[:65536], filename, channel.platform)
                )
                summary = summarize(
                    parser.parse(content, filename, channel._import_options())
                )
            except ParseError as error:
                errors.append(str(error))
                continue
            lines += [
                fields.Command.create(self._prepare_preview_vals(filename, parser, row))
                for row in summary.payouts.values()
            ]
            if summary.order_count:
                lines.append(
                    fields.Command.create(
                        {
                            "filename": filename,
                            "source_format": parser.LABEL,
                            "payout_ref": self.env._(
                                "%(count)s orders", count=summary.order_count
                            ),
                        }
                    )
                )
        self.write(
            {
                "state": "preview",
                "preview_line_ids": [fields.Command.clear(), *lines],
                "preview_error": "\n".join(errors) or False,
            }
        )
        return self._reopen()

    @api.model
    def _prepare_preview_vals(self, filename, parser, row):
        currency = self.env["res.currency"].search([("name", "=", row["currency"])])
        categories = ", ".join(
            f"{category}: {amount}"
            for category, amount in sorted(
                row["categories"].items(), key=lambda i: i[1]
            )
        )
        return {
            "filename": filename,
            "source_format": parser.LABEL,
            "payout_ref": row["ref"] or self.env._("(not paid out yet)"),
            "currency_id": currency.id,
            "has_declared_total": row["declared"] is not None,
            "amount_declared": float(row["declared"] or 0),
            "amount_computed": float(row["computed"]),
            "is_balanced": row["balanced"],
            "line_count": row["count"],
            "categories": categories,
        }

    def action_import(self):
        """Import small files now and queue large ones as background jobs."""
        self.ensure_one()
        # sudo: a system parameter (set by administrators), read for its value only.
        threshold = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(
                "marketplace_connectors.background_import_bytes", BACKGROUND_BYTES
            )
        )
        now, later = [], []
        for name, content in self._files():
            (later if len(content) >= threshold else now).append((name, content))
        channel, format_code = self.channel_id, self.format_code or None
        batches = channel.env["marketplace.import.batch"]
        if now:
            batches |= channel.import_files(now, format_code)
        if later:
            batches |= channel.queue_import_files(later, format_code)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "marketplace_connectors.marketplace_import_batch_action"
        )
        action["domain"] = [("id", "in", batches.ids)]
        if len(batches) == 1:
            action.update(view_mode="form", res_id=batches.id, views=[(False, "form")])
        return action

    def action_back(self):
        self.ensure_one()
        self.state = "upload"
        return self._reopen()

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }


class MarketplaceImportWizardLine(models.TransientModel):
    _name = "marketplace.import.wizard.line"
    _description = "Import Preview Line"

    wizard_id = fields.Many2one("marketplace.import.wizard", ondelete="cascade")
    filename = fields.Char()
    source_format = fields.Char(string="Format")
    payout_ref = fields.Char(string="Payout")
    currency_id = fields.Many2one("res.currency")
    has_declared_total = fields.Boolean()
    amount_declared = fields.Monetary(string="Declared")
    amount_computed = fields.Monetary(string="Sum of Lines")
    is_balanced = fields.Boolean(string="Balanced")
    line_count = fields.Integer(string="Lines")
    categories = fields.Char(string="By Category")
