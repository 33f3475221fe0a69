# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..core.dunning import Level, sorted_levels

# Default levels of a new company's policy: (sequence, offset, channel, phone
# threshold, template xml id).
DEFAULT_LEVELS = (
    (1, 1, "email", 0.0, "mail_template_dunning_friendly"),
    (2, 7, "email", 5000.0, "mail_template_dunning_firm"),
    (3, 20, "letter", 0.0, "mail_template_dunning_formal"),
)


class MkcDunningPolicy(models.Model):
    _name = "mkc.dunning.policy"
    _description = "Dunning Policy"
    _check_company_auto = True
    _order = "company_id, name"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    level_ids = fields.One2many("mkc.dunning.level", "policy_id", string="Levels")

    @api.constrains("level_ids")
    def _check_levels(self):
        for policy in self:
            try:
                policy._core_levels()
            except ValueError as error:
                raise ValidationError(
                    self.env._(
                        "The levels of %(policy)s must have distinct sequences and "
                        "their offsets must increase with the sequence.",
                        policy=policy.name,
                    )
                ) from error

    def _core_levels(self):
        """The policy's levels for :mod:`..core.dunning`, ranked."""
        self.ensure_one()
        return sorted_levels(level._core_level() for level in self.level_ids)

    @api.model
    def _create_default_policies(self, companies=None):
        """A default policy (D+1 friendly email, D+7 firm email with a phone call
        above 5,000, D+20 formal notice letter) for each company that has none."""
        if companies is None:
            companies = self.env["res.company"].search(
                [("dunning_policy_id", "=", False)]
            )
        names = [
            self.env._("Friendly reminder"),
            self.env._("Firm reminder"),
            self.env._("Formal notice"),
        ]
        created = self.browse()
        for company in companies.filtered(lambda c: not c.dunning_policy_id):
            levels = []
            for (sequence, offset, channel, threshold, xmlid), name in zip(
                DEFAULT_LEVELS, names, strict=True
            ):
                template = self.env.ref(f"marketplace_cash.{xmlid}", False)
                levels.append(
                    fields.Command.create(
                        {
                            "sequence": sequence,
                            "offset": offset,
                            "channel": channel,
                            "name": name,
                            "mail_template_id": template.id if template else False,
                            "phone_activity": threshold > 0,
                            "phone_threshold": threshold,
                        }
                    )
                )
            policy = self.create(
                {
                    "name": self.env._("Standard dunning"),
                    "company_id": company.id,
                    "level_ids": levels,
                }
            )
            company.dunning_policy_id = policy
            created |= policy
        return created


class MkcDunningLevel(models.Model):
    _name = "mkc.dunning.level"
    _description = "Dunning Level"
    _order = "policy_id, sequence, id"

    policy_id = fields.Many2one(
        "mkc.dunning.policy", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="policy_id.company_id", store=True)
    currency_id = fields.Many2one(related="policy_id.currency_id")
    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(
        default=1,
        help="Rank of the level: a level is sent only after the previous one.",
    )
    offset = fields.Integer(
        string="Days From Due Date",
        required=True,
        help="1 = the day after the due date; -3 = three days before it (a "
        "reminder before the due date, skipped once the invoice is overdue).",
    )
    channel = fields.Selection(
        [("email", "Email"), ("letter", "Letter")],
        required=True,
        default="email",
        help="Letter: a PDF letter (formal notice) is generated, attached to the "
        "customer's history and to the email when the level has a template.",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Email Template",
        domain=[("model", "=", "mkc.dunning.run.line")],
    )
    min_amount = fields.Monetary(
        string="Minimum Amount",
        currency_field="currency_id",
        help="The level is sent only when the reminder's total reaches this amount.",
    )
    phone_activity = fields.Boolean(
        string="Phone Call",
        help="Schedule a phone call for the customer's salesperson when the "
        "customer's overdue total exceeds the threshold.",
    )
    phone_threshold = fields.Monetary(
        string="Phone Call Above",
        currency_field="currency_id",
    )

    def _core_level(self):
        self.ensure_one()
        threshold = None
        if self.phone_activity:
            threshold = Decimal(str(self.phone_threshold or 0.0))
        return Level(
            self.id,
            self.sequence,
            self.offset,
            Decimal(str(self.min_amount or 0.0)),
            threshold,
        )
