# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import json

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..core import parsers
from ..core.exceptions import ParseError

PLATFORMS = [
    ("amazon", "Amazon"),
    ("mirakl", "Mirakl"),
    ("shopify", "Shopify"),
    ("stripe", "Stripe"),
    ("ebay", "eBay"),
    ("paypal", "PayPal"),
    ("generic", "Generic (CSV/XLSX)"),
]


class MarketplaceChannel(models.Model):
    """One seller account on one marketplace or payment platform.

    Every payout, transaction and marketplace order belongs to a channel; the other
    modules of the suite extend it with their per-channel settings (accounting mapping,
    payout calendar, cost model).
    """

    _name = "marketplace.channel"
    _description = "Marketplace Channel"
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=False)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    platform = fields.Selection(PLATFORMS, required=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
        help="Currency in which the platform settles this account.",
    )
    country_id = fields.Many2one(
        "res.country",
        help="Marketplace country (Amazon.fr: France). Drives VAT-inclusive prices "
        "and the default customer of its orders.",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Marketplace Partner",
        check_company=True,
        help="The marketplace as a partner: its receivable account carries what the "
        "platform owes the seller.",
    )
    note = fields.Html()
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        check_company=True,
        help="Warehouse of the sale orders imported from this channel.",
    )
    customer_id = fields.Many2one(
        "res.partner",
        string="Default Customer",
        check_company=True,
        help="Customer of imported orders when the platform names none. Left empty, "
        "one generic customer per channel and country is created on first use.",
    )
    import_mapping = fields.Json(
        string="Column Mapping",
        help="Column mapping of generic CSV/XLSX files (ManoMano, Cdiscount...): "
        "which header holds the date, amount, type, order, SKU, payout id.",
    )
    import_mapping_text = fields.Text(
        string="Column Mapping (JSON)",
        compute="_compute_import_mapping_text",
        inverse="_inverse_import_mapping_text",
    )
    # Credentials of the platform's API and webhooks: managers only (the field
    # groups keep them out of users' reads, exports and views), never copied, never
    # logged. Which ones a platform needs is documented on the form.
    api_url = fields.Char(
        string="API URL",
        groups="marketplace_connectors.group_marketplace_manager",
        help="Base URL of the seller API when it depends on the account: the Mirakl "
        "operator's URL, the Shopify shop's admin URL.",
    )
    api_client_id = fields.Char(
        string="Client ID",
        groups="marketplace_connectors.group_marketplace_manager",
        copy=False,
        help="Amazon Login with Amazon (LWA) client id; eBay application id.",
    )
    api_client_secret = fields.Char(
        string="Client Secret",
        groups="marketplace_connectors.group_marketplace_manager",
        copy=False,
    )
    api_refresh_token = fields.Char(
        string="Refresh Token",
        groups="marketplace_connectors.group_marketplace_manager",
        copy=False,
        help="Long-lived token exchanged for access tokens (Amazon LWA, eBay OAuth).",
    )
    api_key = fields.Char(
        string="API Key",
        groups="marketplace_connectors.group_marketplace_manager",
        copy=False,
        help="Shopify admin API access token, Stripe secret key, Mirakl shop API key.",
    )
    webhook_secret = fields.Char(
        groups="marketplace_connectors.group_marketplace_manager",
        copy=False,
        help="Secret the platform signs its webhooks with (Shopify, Stripe, Mirakl).",
    )
    payout_ids = fields.One2many("marketplace.payout", "channel_id", readonly=True)
    payout_count = fields.Integer(compute="_compute_counts")
    import_batch_count = fields.Integer(compute="_compute_counts")
    unmapped_sku_count = fields.Integer(compute="_compute_counts")

    _sql_constraints = [
        (
            "name_company_uniq",
            "unique(company_id, name)",
            "A channel with this name already exists in this company.",
        ),
    ]

    @api.depends("import_mapping")
    def _compute_import_mapping_text(self):
        for channel in self:
            channel.import_mapping_text = (
                json.dumps(channel.import_mapping, indent=2, ensure_ascii=False)
                if channel.import_mapping
                else False
            )

    def _inverse_import_mapping_text(self):
        generic = parsers.get("generic_table")
        for channel in self:
            if not channel.import_mapping_text:
                channel.import_mapping = False
                continue
            try:
                mapping = json.loads(channel.import_mapping_text)
                channel.import_mapping = generic.validate_mapping(mapping)
            except (ValueError, ParseError) as error:
                raise ValidationError(
                    self.env._("Invalid column mapping: %(error)s", error=error)
                ) from error

    def _compute_counts(self):
        payouts = dict(
            self.env["marketplace.payout"]._read_group(
                [("channel_id", "in", self.ids)], ["channel_id"], ["__count"]
            )
        )
        batches = dict(
            self.env["marketplace.import.batch"]._read_group(
                [("channel_id", "in", self.ids)], ["channel_id"], ["__count"]
            )
        )
        unmapped = dict(
            self.env["sale.order.line"]._read_group(
                [
                    ("marketplace_channel_id", "in", self.ids),
                    ("marketplace_unmapped", "=", True),
                ],
                ["marketplace_channel_id"],
                ["__count"],
            )
        )
        for channel in self:
            channel.payout_count = payouts.get(channel, 0)
            channel.import_batch_count = batches.get(channel, 0)
            channel.unmapped_sku_count = unmapped.get(channel, 0)

    @api.depends("name", "platform")
    def _compute_display_name(self):
        platforms = dict(self._fields["platform"]._description_selection(self.env))
        for channel in self:
            if channel.platform and channel.name:
                channel.display_name = f"{channel.name} ({platforms[channel.platform]})"
            else:
                channel.display_name = channel.name or ""

    # ---- business

    def import_files(self, files, format_code=None, source="file"):
        """Import marketplace files into this channel; the one entry point of imports.

        ``files`` is a list of ``(filename, content_bytes)``. The format is detected
        from each file's content (header names, JSON keys) unless ``format_code`` is
        given. ``source`` says where the files come from (``file``, ``api``,
        ``webhook``) for the import log. Returns the ``marketplace.import.batch``
        records, one per file, each ``done`` or ``failed`` (a failed file leaves
        nothing but its batch and the error).
        """
        self.ensure_one()
        Batch = self.env["marketplace.import.batch"]
        batches = Batch
        options = self._import_options()
        for filename, content in files:
            batch = Batch._create_for_file(self, filename, content, source)
            batches |= batch._run(content, format_code, options)
        return batches

    def queue_import_files(self, files, format_code=None):
        """Like ``import_files``, but each file is imported by a background job
        (large files: the user gets the import log at once). Returns the batches,
        *To Import* until their job has run."""
        self.ensure_one()
        Batch = self.env["marketplace.import.batch"]
        batches = Batch
        for filename, content in files:
            batches |= Batch._create_for_file(self, filename, content)
        return batches._enqueue_run(format_code)

    def _import_options(self):
        """Parser options of this channel: the saved column mapping of generic files."""
        self.ensure_one()
        return dict(self.import_mapping) if self.import_mapping else None

    def _get_order_customer(self, country):
        """The generic customer of this channel's orders in ``country``."""
        self.ensure_one()
        if self.customer_id:
            return self.customer_id
        country = country or self.country_id
        name = self.env._(
            "%(channel)s customer (%(country)s)",
            channel=self.name,
            country=country.code if country else "-",
        )
        Partner = self.env["res.partner"]
        partner = Partner.search(
            [("name", "=", name), ("company_id", "=", self.company_id.id)], limit=1
        )
        return partner or Partner.create(
            {
                "name": name,
                "company_id": self.company_id.id,
                "country_id": country.id if country else False,
                "is_company": True,
            }
        )

    def _resolve_skus(self, skus):
        """Map marketplace SKUs to products: mapping table, internal reference, barcode.

        Three grouped searches, whatever the number of SKUs.
        """
        self.ensure_one()
        found = {
            mapping.sku: mapping.product_id
            for mapping in self.env["marketplace.sku.mapping"].search(
                [("channel_id", "=", self.id), ("sku", "in", list(skus))]
            )
        }
        Product = self.env["product.product"].with_company(self.company_id)
        company_domain = [("company_id", "in", (False, self.company_id.id))]
        for field_name in ("default_code", "barcode"):
            missing = [sku for sku in skus if sku not in found]
            if not missing:
                break
            for product in Product.search(
                [(field_name, "in", missing), *company_domain], order="id"
            ):
                found.setdefault(product[field_name], product)
        return found

    def _order_lookups(self, infos):
        """Countries, customers, currencies and pricelists of a batch of orders, looked
        up once per distinct value rather than once per order."""
        self.ensure_one()
        codes = {info.country_code for info in infos if info.country_code}
        countries = {
            country.code: country
            for country in self.env["res.country"].search([("code", "in", list(codes))])
        }
        currencies = {
            currency.name: currency
            for currency in self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "in", list({info.currency for info in infos}))])
        }
        by_country = {code: countries.get(code, self.country_id) for code in codes}
        by_country[""] = self.country_id
        return {
            "countries": by_country,
            "customers": {
                code: self._get_order_customer(country)
                for code, country in by_country.items()
            },
            "currencies": currencies,
            "pricelists": {
                name: self._pricelist_for(currency)
                for name, currency in currencies.items()
            },
        }

    def _prepare_marketplace_order_vals(self, info, products, lookups):
        """Values of the sale order for one parsed ``OrderInfo`` (writes nothing).

        ``lookups`` comes from :meth:`_order_lookups` over the same batch of orders.
        """
        self.ensure_one()
        partner = lookups["customers"][info.country_code or ""]
        pricelist = lookups["pricelists"].get(info.currency)
        unmapped = self.env.ref("marketplace_connectors.product_unmapped_sku")
        lines = []
        for line in info.lines:
            product = (
                products.get(line.sku)
                or self._charge_product(line.line_ref, line.sku)
                or unmapped
            )
            price = self._price_on_tax_basis(
                product, line.price_unit, line.tax_included
            )
            lines.append(
                fields.Command.create(
                    {
                        "product_id": product.id,
                        "name": line.name or line.sku or product.display_name,
                        "product_uom_qty": float(line.quantity),
                        "price_unit": price,
                        "marketplace_sku": line.sku or False,
                        "marketplace_line_ref": line.line_ref or False,
                        "marketplace_price_unit": float(line.price_unit),
                        "marketplace_tax_included": line.tax_included,
                        "marketplace_unmapped": product == unmapped,
                    }
                )
            )
        vals = {
            "partner_id": partner.id,
            "company_id": self.company_id.id,
            "marketplace_channel_id": self.id,
            "marketplace_order_ref": info.ref,
            "client_order_ref": info.ref,
            "origin": self.name,
            "order_line": lines,
        }
        if info.date_order:
            vals["date_order"] = info.date_order.replace(tzinfo=None)
        if self.warehouse_id:
            vals["warehouse_id"] = self.warehouse_id.id
        if pricelist:
            vals["pricelist_id"] = pricelist.id
        return vals

    def _charge_product(self, line_ref, sku):
        """Shipping and discount lines of an order (parsers name them
        ``shipping:<id>``, ``shipping-discount:<id>``, ``discount:<id>``,
        ``giftwrap:<id>`` and give them no SKU) get their own products."""
        if sku or ":" not in (line_ref or ""):
            return None
        kind = line_ref.split(":", 1)[0]
        xmlid = {
            "shipping": "product_marketplace_shipping",
            "giftwrap": "product_marketplace_shipping",
            "shipping-discount": "product_marketplace_discount",
            "discount": "product_marketplace_discount",
        }.get(kind)
        return self.env.ref(f"marketplace_connectors.{xmlid}") if xmlid else None

    def _price_on_tax_basis(self, product, price_unit, tax_included):
        """A VAT-inclusive marketplace price, on the product's tax basis."""
        taxes = product.taxes_id.filtered(lambda tax: tax.company_id == self.company_id)
        if not tax_included or not taxes or all(tax.price_include for tax in taxes):
            return float(price_unit)
        result = taxes.with_context(force_price_include=True).compute_all(
            float(price_unit), currency=self.currency_id, product=product
        )
        return result["total_excluded"]

    def _pricelist_for(self, currency):
        """A pricelist in the order's currency (orders take their currency from it)."""
        if not currency:
            return self.env["product.pricelist"]
        Pricelist = self.env["product.pricelist"]
        domain = [
            ("currency_id", "=", currency.id),
            ("company_id", "in", (False, self.company_id.id)),
        ]
        return Pricelist.search(domain, limit=1) or Pricelist.create(
            {
                "name": self.env._("Marketplace %(currency)s", currency=currency.name),
                "currency_id": currency.id,
                "company_id": self.company_id.id,
            }
        )

    def action_open_payouts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "marketplace_connectors.marketplace_payout_action"
        )
        action["domain"] = [("channel_id", "=", self.id)]
        action["context"] = {"default_channel_id": self.id}
        return action

    def action_open_import_batches(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "marketplace_connectors.marketplace_import_batch_action"
        )
        action["domain"] = [("channel_id", "=", self.id)]
        return action

    def action_open_unmapped_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "marketplace_connectors.sale_order_line_unmapped_action"
        )
        action["domain"] = [
            ("marketplace_channel_id", "=", self.id),
            ("marketplace_unmapped", "=", True),
        ]
        return action

    def action_import_files(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "marketplace.import.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_channel_id": self.id},
        }
