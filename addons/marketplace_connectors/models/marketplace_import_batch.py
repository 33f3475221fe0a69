# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import base64
import logging
import time

import psycopg2

from odoo import api, fields, models

from ..core import parsers
from ..core.exceptions import ParseError
from ..core.keys import payload_checksum

_logger = logging.getLogger(__name__)

SNIFF_BYTES = 65536


class MarketplaceImportBatch(models.Model):
    """One imported file: kept with its checksum, counters and errors, replayable.

    The import is atomic: every record it writes is written inside a savepoint, and a
    file that fails anywhere leaves nothing but this batch, marked failed, with the
    file attached and the error located (file, line, column, value).
    """

    _name = "marketplace.import.batch"
    _description = "Marketplace Import"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True, default="/", copy=False)
    channel_id = fields.Many2one(
        "marketplace.channel",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
        check_company=True,
    )
    company_id = fields.Many2one(
        related="channel_id.company_id", store=True, index=True, precompute=True
    )
    state = fields.Selection(
        [("draft", "To Import"), ("done", "Imported"), ("failed", "Failed")],
        default="draft",
        required=True,
        readonly=True,
        index=True,
    )
    source = fields.Selection(
        [("file", "File"), ("api", "API Sync"), ("webhook", "Webhook")],
        default="file",
        required=True,
        readonly=True,
        index=True,
    )
    filename = fields.Char(readonly=True)
    attachment_id = fields.Many2one("ir.attachment", readonly=True, ondelete="set null")
    checksum = fields.Char(string="SHA-256", readonly=True, index=True)
    source_format = fields.Selection(
        lambda self: [(p.FORMAT, p.LABEL) for p in parsers.PARSERS],
        string="Format",
        readonly=True,
    )
    user_id = fields.Many2one(
        "res.users", default=lambda self: self.env.user, readonly=True
    )
    date_start = fields.Datetime(string="Started", readonly=True)
    date_done = fields.Datetime(string="Finished", readonly=True)
    duration = fields.Float(string="Duration (s)", readonly=True, digits=(16, 2))
    line_count = fields.Integer(string="Lines Read", readonly=True)
    new_line_count = fields.Integer(string="New Lines", readonly=True)
    known_line_count = fields.Integer(
        string="Already Imported Lines", compute="_compute_known_line_count"
    )
    new_payout_count = fields.Integer(string="New Payouts", readonly=True)
    order_count = fields.Integer(string="Orders Read", readonly=True)
    new_order_count = fields.Integer(string="New Orders", readonly=True)
    payout_ids = fields.Many2many(
        "marketplace.payout", string="Payouts", readonly=True, copy=False
    )
    transaction_ids = fields.One2many(
        "marketplace.transaction", "import_batch_id", string="New Transactions"
    )
    message = fields.Char(readonly=True)
    error_message = fields.Text(readonly=True)
    error_filename = fields.Char(readonly=True)
    error_line = fields.Integer(readonly=True)
    error_column = fields.Char(readonly=True)
    error_value = fields.Char(readonly=True)

    @api.depends("line_count", "new_line_count")
    def _compute_known_line_count(self):
        for batch in self:
            batch.known_line_count = batch.line_count - batch.new_line_count

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"].next_by_code("marketplace.import.batch")
                    or "/"
                )
        return super().create(vals_list)

    # ---- business

    @api.model
    def _create_for_file(self, channel, filename, content, source="file"):
        batch = self.create(
            {
                "channel_id": channel.id,
                "filename": filename,
                "checksum": payload_checksum(content),
                "source": source,
            }
        )
        # No full-text index of the file (see ir_attachment._index).
        attachments = self.env["ir.attachment"].with_context(marketplace_no_index=True)
        batch.attachment_id = attachments.create(
            {
                "name": filename,
                "raw": content,
                "res_model": self._name,
                "res_id": batch.id,
            }
        )
        return batch

    def _run(self, content, format_code=None, options=None):
        """Import ``content`` into the batch's channel; never raises on bad input."""
        self.ensure_one()
        started = time.monotonic()
        self.write({"date_start": fields.Datetime.now(), "state": "draft"})
        try:
            parser = self._select_parser(content, format_code)
            with self.env.cr.savepoint():
                counters = self.env["marketplace.binder"]._bind(
                    self, parser.parse(content, self.filename, options)
                )
        except ParseError as error:
            self._fail(error, started)
            return self
        except (ValueError, TypeError, psycopg2.DataError) as error:
            # A value the database or the records refuse (a too long reference, a
            # malformed number a parser let through): keep the batch, say what it was.
            self._fail(ParseError(str(error), filename=self.filename), started)
            return self
        self._succeed(parser, counters, started)
        return self

    def _select_parser(self, content, format_code):
        if format_code:
            return parsers.get(format_code)
        return parsers.detect(
            bytes(content[:SNIFF_BYTES]), self.filename, self.channel_id.platform
        )

    def _succeed(self, parser, counters, started):
        payout_ids = counters.pop("payout_ids")
        vals = dict(
            counters,
            state="done",
            source_format=parser.FORMAT,
            date_done=fields.Datetime.now(),
            duration=time.monotonic() - started,
            payout_ids=[fields.Command.set(payout_ids)],
            error_message=False,
            error_filename=False,
            error_line=0,
            error_column=False,
            error_value=False,
        )
        vals["message"] = self._summary(vals)
        self.write(vals)
        _logger.info("%s: %s", self.name, vals["message"])

    def _fail(self, error, started):
        self.write(
            {
                "state": "failed",
                "date_done": fields.Datetime.now(),
                "duration": time.monotonic() - started,
                "error_message": str(error),
                "error_filename": error.filename or self.filename,
                "error_line": error.line or 0,
                "error_column": error.column or False,
                "error_value": None if error.value is None else str(error.value)[:256],
                "message": self.env._("Failed: nothing was imported."),
            }
        )
        _logger.info("%s failed: %s", self.name, error)

    def _summary(self, vals):
        if vals.get("order_count") and not vals.get("line_count"):
            return self.env._(
                "%(new)s new orders out of %(read)s read.",
                new=vals.get("new_order_count", 0),
                read=vals["order_count"],
            )
        if vals["line_count"] and not vals["new_line_count"]:
            return self.env._(
                "Already imported: all %(count)s lines were there, nothing created.",
                count=vals["line_count"],
            )
        return self.env._(
            "%(new)s new lines out of %(read)s read; %(payouts)s new payouts.",
            new=vals["new_line_count"],
            read=vals["line_count"],
            payouts=vals["new_payout_count"],
        )

    def _enqueue_run(self, format_code=None):
        """Import the batch's file in a background job (large files): one job per
        file, so that a file stays atomic; the batch waits as *To Import*."""
        for batch in self:
            batch.message = self.env._("Queued: imported in the background.")
            batch.with_delay(
                identity_key=f"marketplace-import:{batch.id}",
                description=self.env._("Import %(file)s", file=batch.filename),
            )._run_queued(format_code)
        return self

    def _run_queued(self, format_code=None):
        """Job: import the kept file of a queued batch."""
        self.ensure_one()
        if self.state != "draft":
            return self.env._("Already %(state)s.", state=self.state)
        content = self.attachment_id.raw or b""
        self._run(content, format_code, self._parser_options())
        return self.message

    def action_replay(self):
        """Import the kept file again (after fixing a mapping or a currency)."""
        for batch in self:
            content = base64.b64decode(batch.attachment_id.datas or b"")
            batch._run(content, batch.source_format or None, batch._parser_options())
        return True

    def _parser_options(self):
        """Options the channel gives its parser (column mapping of generic files)."""
        self.ensure_one()
        return self.channel_id._import_options()
