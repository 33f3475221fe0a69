"""Match posted marketplace payouts to bank statement lines.

Pure engine: stdlib only, money as :class:`~decimal.Decimal`, ids opaque (any
hashable). It runs once per batch, as mis_builder's AEP runs one query per domain:
the ORM layer reads every open payout and every unreconciled statement line, calls
:func:`match` once, writes ``Result.matches`` (``_apply_payout_matches()``) and offers
``Result.proposals`` for one-click confirmation.

The rules, in the order they apply:

1. **Window.** A dated payout is a candidate for a bank line booked from
   ``window_before`` days before to ``window_after`` days after its deposit date,
   both inclusive (defaults -2 / +7, see :func:`in_window`; ``windows`` sets them per
   channel). A payout without a deposit date has no window: it is a single candidate
   at any date, but its amount alone never matches it automatically (a reference in
   the label must) and it never joins a group.
2. **Exact single.** Same currency and the same amount to the cent, signed (a
   negative payout matches a debit). A bank line that carries a foreign amount (an
   EUR line with ``foreign_currency="USD"``) also meets the payouts of exactly that
   foreign amount (kind ``"fx"``; the foreign amount takes the line's sign).
3. **Group.** 2 to ``max_group_size`` dated payouts of one channel, in the line's
   currency (or its foreign currency), of the line's sign, all inside the window,
   summing exactly to the line (or its foreign amount). A payout that is a single
   candidate of any line joins no group.
4. **Choice.** A line whose only alternative (single or group) is one: match
   (``"exact"``, ``"fx"`` or ``"group"``). Several alternatives, e.g. two payouts of
   the same amount, or a payout and a group of that amount: a proposal, unless the
   label quotes references (:func:`label_mentions`) and exactly one alternative
   quotes the most; that one is matched (kind ``"reference"`` for a single payout,
   ``"group"`` for a group), even if other payouts have the same amount.
5. **Conflicts.** A payout goes to one line and a line gets one match. A payout that
   two automatic matches claim goes to the one whose label quotes a reference; if
   none or several do, every claimant becomes a proposal. Proposals never offer a
   payout matched automatically; a line left without alternatives is unmatched.
6. **Converted FX.** A line still unmatched, without a foreign amount, when
   ``options.convert`` is given: the payouts in another currency, inside the window
   (or undated), whose amount ``p`` satisfies ``|c - p| <= fx_tolerance * |p|`` with
   ``c = convert(line.amount, line.currency, p_currency, line.date)``. Proposals only.

Zero amounts are never matched. ``unmatched_*`` lists what is in no match and no
proposal: matched, proposed and unmatched lines partition the input.

**Scores** (integers, for ordering alternatives): 100 for a reference, 90 for an exact
or foreign-amount single, 80 for a group, 60 for a converted FX proposal; minus the
distance in days between the line and the deposit date (the farthest member of a
group; 10 for an undated payout); a converted proposal also loses its relative
deviation in per mille (at most 50).

**Complexity** (P payouts, L lines, m = ``max_group_size``, w = the open payouts of
one channel within one window span, capped at ``max_group_neighbours``). Indexing
payouts by ``(currency, amount)`` and lines by their target amounts: O(P + L) dict
inserts, plus a sort of the rare repeated amounts; dated payouts are split by date
bucket (as many days as the widest window) so every dict stays small. Single
candidates: one or two dict lookups per line, in date order (a bisect when an amount
repeats), O(L) plus the candidates found; no line ever scans the payouts. Groups are
enumerated once per channel, not per line: for each open payout (a single candidate
of no line), the subsets of up to m - 1 later payouts of its channel and sign within
``window_before + window_after`` days (a sorted-by-date slice), by a DFS pruned by
the largest target; a subset is kept when its sum is the amount of a line whose date
fits, found by one dict lookup. That is O(P * C(w, m - 1)): linear in P while a
channel pays about daily (w is 5 to 10 on business days). A payout with more than
``max_group_neighbours`` neighbours only combines with the nearest ones, and a line
such a payout may settle gets no group match, only proposals: the search there was
partial. Conflicts and the result: O(P + L). Converted FX: one ``convert`` call and
a bisect per line and currency, on amounts sorted once.
"""

import gc
import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .exceptions import CashCoreError

EXACT = "exact"
GROUP = "group"
FX = "fx"
REFERENCE = "reference"
KINDS = (EXACT, GROUP, FX, REFERENCE)

SCORE_BASE = {REFERENCE: 100, EXACT: 90, FX: 90, GROUP: 80}
FX_CONVERTED_BASE = 60
FX_DEVIATION_MAX = 50  # per mille
UNDATED_DISTANCE = 10
SUBSTRING_MIN_LENGTH = 8

_TOKEN = re.compile(r"[^\W_]+")


class MatchingError(CashCoreError, ValueError):
    """The matcher's input is inconsistent (duplicate ids, invalid options)."""


# ---- RECORDS -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Payout:
    """A posted marketplace payout. ``amount`` is signed: negative when the seller
    owes the platform. ``refs`` are the tokens a bank label may quote: the platform's
    payout id (``"11223344556"``, ``"po_1NxAbC..."``) and any other."""

    id: Hashable
    channel_id: Hashable
    currency: str
    amount: Decimal
    deposit_date: date | None = None
    refs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BankLine:
    """A bank statement line: credits positive, debits negative. ``foreign_currency``
    and ``amount_foreign`` are set when the bank states the original amount (an EUR
    credit of a USD payout)."""

    id: Hashable
    currency: str
    amount: Decimal
    date: date
    label: str = ""
    foreign_currency: str | None = None
    amount_foreign: Decimal | None = None


@dataclass(frozen=True, slots=True)
class MatchOptions:
    """Tuning of :func:`match`; the defaults are the product's.

    ``windows`` maps a channel id to its own ``(window_before, window_after)``;
    channels it does not name use ``window_before`` / ``window_after``.
    ``convert(amount, from_currency, to_currency, date) -> Decimal | None`` is only
    used for converted FX proposals (rule 6); ``fx_tolerance`` is relative, in
    ``[0, 1)``.

    >>> MatchOptions(windows={"amazon": (0, 3)}).window_of("amazon")
    (0, 3)
    >>> MatchOptions().window_of("stripe")
    (2, 7)
    """

    window_before: int = 2
    window_after: int = 7
    max_group_size: int = 4
    fx_tolerance: Decimal = Decimal(0)
    convert: Callable | None = None
    max_alternatives: int = 10
    max_group_neighbours: int = 10
    windows: Mapping | None = None

    def window_of(self, channel_id):
        """``(days before, days after)`` the deposit date for ``channel_id``."""
        if self.windows and channel_id in self.windows:
            before, after = self.windows[channel_id]
            return before, after
        return self.window_before, self.window_after


@dataclass(frozen=True, slots=True)
class Match:
    """An automatic match: ``payout_ids`` (in input order) settle ``bank_line_id``."""

    bank_line_id: Hashable
    payout_ids: tuple
    kind: str
    score: int


@dataclass(frozen=True, slots=True)
class Alternative:
    """One payout set a proposal offers."""

    payout_ids: tuple
    kind: str
    score: int


@dataclass(frozen=True, slots=True)
class Proposal:
    """An ambiguous bank line: its alternatives, best score first."""

    bank_line_id: Hashable
    alternatives: tuple[Alternative, ...]


@dataclass(frozen=True, slots=True)
class Result:
    """What :func:`match` found; every tuple follows the input order."""

    matches: tuple[Match, ...] = ()
    proposals: tuple[Proposal, ...] = ()
    unmatched_bank_line_ids: tuple = ()
    unmatched_payout_ids: tuple = ()


# An alternative under construction is a plain tuple ``(members, kind, score,
# strength)``: payout positions (sorted), the kind, the score, and 1 plus the number
# of references the label quotes. Unlike named tuples or dataclasses, plain tuples of
# atoms drop out of the garbage collector's watch: with 10^5 alternatives alive, its
# full passes are twice shorter.
_MEMBERS, _KIND, _SCORE, _STRENGTH = range(4)


# ---- PUBLIC HELPERS -----------------------------------------------------------------


def in_window(bank_date, deposit_date, options=None, channel_id=None):
    """Whether a line booked on ``bank_date`` may settle a payout of ``channel_id``
    deposited on ``deposit_date`` (bounds included; ``None``: no date, no window).

    >>> from datetime import date
    >>> deposit = date(2025, 3, 10)
    >>> [in_window(date(2025, 3, d), deposit) for d in (7, 8, 17, 18)]
    [False, True, True, False]
    >>> in_window(date(2025, 3, 1), None)
    True
    >>> options = MatchOptions(windows={"stripe": (0, 2)})
    >>> in_window(date(2025, 3, 13), deposit, options, "stripe")
    False
    """
    if deposit_date is None:
        return True
    before, after = (options or MatchOptions()).window_of(channel_id)
    offset = (bank_date - deposit_date).days
    return -before <= offset <= after


def label_mentions(label, ref):
    """Whether a bank ``label`` quotes the payout reference ``ref``, ignoring case: as
    whole tokens (the label and the reference split on non-alphanumerics), or anywhere
    in the label when the reference has at least 8 characters.

    >>> label_mentions("VIR SEPA AMAZON PAYMENTS 11223344556/FR", "11223344556")
    True
    >>> label_mentions("STRIPE TRANSFER PO_1NXABC12 EU", "po_1NxAbC12")
    True
    >>> label_mentions("REF:A-77 PAYOUT", "a-77")
    True
    >>> label_mentions("REF A778 PAYOUT", "A77")
    False
    >>> label_mentions("ORDER 0099887766554", "99887766")
    True
    """
    return _mentions(_fold(label), _normalize_ref(ref))


def match(payouts, bank_lines, options=None):
    """Match ``payouts`` to ``bank_lines`` (iterables of :class:`Payout` and
    :class:`BankLine`) following the module's rules; return a :class:`Result`.

    >>> from datetime import date
    >>> from decimal import Decimal as D
    >>> payouts = [
    ...     Payout("P1", "amazon", "EUR", D("120.50"), date(2025, 3, 3), ("111",)),
    ...     Payout("P2", "amazon", "EUR", D("80.00"), date(2025, 3, 3), ("222",)),
    ...     Payout("P3", "amazon", "EUR", D("80.00"), date(2025, 3, 4), ("333",)),
    ... ]
    >>> lines = [
    ...     BankLine("B1", "EUR", D("120.50"), date(2025, 3, 5), "AMAZON"),
    ...     BankLine("B2", "EUR", D("80.00"), date(2025, 3, 5), "AMAZON 333"),
    ...     BankLine("B3", "EUR", D("80.01"), date(2025, 3, 5), "AMAZON"),
    ... ]
    >>> result = match(payouts, lines)
    >>> for m in result.matches:
    ...     print(m.bank_line_id, m.payout_ids, m.kind, m.score)
    B1 ('P1',) exact 88
    B2 ('P3',) reference 99
    >>> result.unmatched_bank_line_ids, result.unmatched_payout_ids
    (('B3',), ('P2',))
    """
    options = options or MatchOptions()
    _check_options(options)
    # The engine makes millions of short-lived tuples and no reference cycles: the
    # cyclic garbage collector would only rescan them (a third of the time at 200k
    # payouts, and what made 2x data cost more than 2x time). It is switched back
    # on, as it was, whatever happens.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _Engine(tuple(payouts), tuple(bank_lines), options).run()
    finally:
        if collecting:
            gc.enable()


# ---- HELPERS ------------------------------------------------------------------------


def _check_options(options):
    windows = [(options.window_before, options.window_after)]
    windows += list((options.windows or {}).values())
    if any(before < 0 or after < 0 for before, after in windows):
        raise MatchingError("the date window bounds must be >= 0")
    if options.max_group_size < 1 or options.max_alternatives < 1:
        raise MatchingError("max_group_size and max_alternatives must be >= 1")
    if options.max_group_neighbours < 1:
        raise MatchingError("max_group_neighbours must be >= 1")
    if not 0 <= Decimal(str(options.fx_tolerance)) < 1:
        raise MatchingError("fx_tolerance is a ratio in [0, 1)")


def _check_unique(records, what):
    ids = [record.id for record in records]
    if len(set(ids)) < len(ids):
        seen = set()
        for record_id in ids:
            if record_id in seen:
                raise MatchingError(f"duplicate {what} id {record_id!r}")
            seen.add(record_id)


def _fold(text):
    return (text or "").casefold()


def _label_tokens(folded_label):
    """``" tok1 tok2 "``: the label's alphanumeric runs, for whole-token search."""
    return f" {' '.join(_TOKEN.findall(folded_label))} "


def _probe(folded_ref):
    """The first alphanumeric run of a casefolded reference (None if it has none):
    a label that does not contain it quotes the reference in no way, so most labels
    are rejected by one substring test."""
    if folded_ref.isalnum():
        return folded_ref
    token = _TOKEN.search(folded_ref)
    return token.group() if token else None


def _normalize_ref(ref):
    """``(probe, " tok1 tok2 ", long ref or None)`` for :func:`_mentions`; a
    reference without letters or digits is quoted nowhere: ``(None, None, None)``."""
    folded = _fold(ref).strip()
    probe = _probe(folded)
    if probe is None:
        return None, None, None
    whole = f" {' '.join(_TOKEN.findall(folded))} "
    substring = folded if len(folded) >= SUBSTRING_MIN_LENGTH else None
    return probe, whole, substring


def _mentions(folded_label, ref, label_tokens=None):
    """Whether a casefolded label mentions a :func:`_normalize_ref` reference;
    ``label_tokens`` is the label's :func:`_label_tokens` when already known."""
    probe, whole, substring = ref
    if probe is None or probe not in folded_label:
        return False
    if substring and substring in folded_label:
        return True
    if label_tokens is None:
        label_tokens = _label_tokens(folded_label)
    return bool(whole and whole in label_tokens)


def _score(kind, distance):
    """The score of a ``kind`` alternative ``distance`` days away (None: undated)."""
    return SCORE_BASE[kind] - (UNDATED_DISTANCE if distance is None else distance)


def _first(pair):
    return pair[0]


def _sign(amount):
    return 1 if amount > 0 else -1


def _foreign_target(line):
    """``(currency, signed amount)`` of the line's foreign amount, or None."""
    if (
        not line.foreign_currency
        or line.amount_foreign is None
        or line.foreign_currency == line.currency
        or not line.amount_foreign
    ):
        return None
    return line.foreign_currency, abs(line.amount_foreign).copy_sign(line.amount)


# ---- ENGINE -------------------------------------------------------------------------


def _add_to_index(index, key, pos):
    """Index ``pos`` under ``key``: a bare position, a list once there are two."""
    previous = index.get(key)
    if previous is None:
        index[key] = pos
    elif type(previous) is int:
        index[key] = [previous, pos]
    else:
        previous.append(pos)


def _sort_index(nested, ordinals):
    """Sort the lists of a ``{currency: {amount: entry}}`` index by ordinal."""
    for index in nested.values():
        for entry in index.values():
            if type(entry) is list:
                entry.sort(key=ordinals.__getitem__)


def _between(entry, ordinals, low, high):
    """The positions of an index entry whose ordinal is in ``[low, high]``."""
    if entry is None:
        return ()
    if type(entry) is int:
        return (entry,) if low <= ordinals[entry] <= high else ()
    key = ordinals.__getitem__
    return entry[bisect_left(entry, low, key=key) : bisect_right(entry, high, key=key)]


class _Engine:
    """One run of :func:`match`; payouts and lines are referred to by position."""

    def __init__(self, payouts, lines, options):
        _check_unique(payouts, "payout")
        _check_unique(lines, "bank line")
        self.payouts = payouts
        self.lines = lines
        self.opt = options
        self.windows = {p.channel_id: options.window_of(p.channel_id) for p in payouts}
        bounds = [*self.windows.values(), (0, 0)]
        self.widest = tuple(max(bound[k] for bound in bounds) for k in (0, 1))
        # Dated payouts are indexed by date bucket: a bucket spans the widest window,
        # so a line's window covers at most two buckets, and each dict stays small
        # (cache-friendly) however many payouts there are.
        self.bucket_days = self.widest[0] + self.widest[1] + 1
        self.ords = [
            p.deposit_date.toordinal() if p.deposit_date else None for p in payouts
        ]
        self.first_bank, self.last_bank = self._reaches()
        self.line_ords = [line.date.toordinal() for line in lines]
        self.foreign = [_foreign_target(line) for line in lines]
        self.tolerance = Decimal(str(options.fx_tolerance))
        self._tokens = {}
        self._folded = {}
        self.dated, self.undated = self._index_amounts()

    def _reaches(self):
        """The first and last bank ordinals that may settle each payout."""
        first, last = [], []
        for payout, ordinal in zip(self.payouts, self.ords, strict=True):
            if ordinal is None:
                first.append(None)
                last.append(None)
            else:
                before, after = self.windows[payout.channel_id]
                first.append(ordinal - before)
                last.append(ordinal + after)
        return first, last

    def _reaches_line(self, pos, bank):
        first = self.first_bank[pos]
        return first is None or first <= bank <= self.last_bank[pos]

    def _targets(self, line_no):
        """``(currency, signed amount)`` pairs a line may settle: its own, and its
        foreign amount when the bank states one."""
        line = self.lines[line_no]
        if not line.amount:
            return ()
        own = (line.currency, line.amount)
        foreign = self.foreign[line_no]
        return (own, foreign) if foreign else (own,)

    def run(self):
        """Single candidates, groups, the choice per line, conflicts, converted FX,
        then the result."""
        singles, claimed = {}, set()
        # In date order: consecutive lines look up the same few date buckets.
        for n in sorted(range(len(self.lines)), key=self.line_ords.__getitem__):
            alts = self._single_candidates(n)
            if alts:
                singles[n] = alts = tuple(alts)
                for alt in alts:
                    claimed.add(alt[_MEMBERS][0])
        groups, truncated = self._group_candidates(claimed)
        chosen, alternatives = {}, {}
        for n in sorted(singles.keys() | groups.keys()):
            if n not in groups:
                alts = singles[n]
            else:
                alts = (*singles.get(n, ()), *groups[n])
            pick = self._pick(n, alts, truncated)
            if pick is not None:
                chosen[n] = pick
            if pick is None or len(alts) > 1:
                alternatives[n] = alts
        matches, proposals = self._resolve(chosen, alternatives)
        if self.opt.convert is not None:
            self._add_converted(matches, proposals)
        return self._result(matches, proposals)

    def _pick(self, line_no, alts, truncated):
        """A line's automatic alternative, or None: the only alternative, or the
        only one quoting the most references. An undated payout needs a reference;
        a group needs a complete search."""
        if len(alts) == 1:
            pick, best = alts[0], alts[0][_STRENGTH]
        else:
            best = max(alt[_STRENGTH] for alt in alts)
            top = [alt for alt in alts if alt[_STRENGTH] == best]
            if len(top) > 1:
                return None
            pick = top[0]
        if pick[_KIND] == GROUP and self._incomplete(line_no, truncated):
            return None
        if best > 1:
            return pick
        if len(alts) > 1 or self.ords[pick[_MEMBERS][0]] is None:
            return None
        return pick

    # ---- single candidates (rules 1 and 2)

    def _index_amounts(self):
        """``{currency: {bucket: {amount: position, or positions by date}}}`` of the
        dated payouts, where a bucket is ``deposit ordinal // bucket_days``, and
        ``{(currency, amount): [positions]}`` of the undated ones; zero amounts are
        left out. Most amounts are unique: they cost no list."""
        dated, undated = defaultdict(lambda: defaultdict(dict)), defaultdict(list)
        size = self.bucket_days
        for pos, payout in enumerate(self.payouts):
            if not payout.amount:
                continue
            ordinal = self.ords[pos]
            if ordinal is None:
                undated[(payout.currency, payout.amount)].append(pos)
            else:
                bucket = dated[payout.currency][ordinal // size]
                _add_to_index(bucket, payout.amount, pos)
        dated = {currency: dict(buckets) for currency, buckets in dated.items()}
        for buckets in dated.values():
            _sort_index(buckets, self.ords)
        return dated, dict(undated)

    def _single_candidates(self, line_no):
        line = self.lines[line_no]
        if not line.amount:
            return ()
        found = []
        self._lookup(line_no, line.currency, line.amount, EXACT, found)
        foreign = self.foreign[line_no]
        if foreign:
            self._lookup(line_no, foreign[0], foreign[1], FX, found)
        return found

    def _lookup(self, line_no, currency, amount, kind, found):
        """Append to ``found`` the single alternatives of ``(currency, amount)`` for
        one line: the date buckets the widest window covers (a bisect when an amount
        repeats), then each payout's own window."""
        bank = self.line_ords[line_no]
        buckets = self.dated.get(currency)
        if buckets:
            ords, first_bank, last_bank = self.ords, self.first_bank, self.last_bank
            low, high = bank - self.widest[1], bank + self.widest[0]
            size = self.bucket_days
            for bucket in range(low // size, high // size + 1):
                by_amount = buckets.get(bucket)
                entry = by_amount.get(amount) if by_amount else None
                if entry is None:
                    continue
                if type(entry) is int:  # the usual case: a unique amount
                    positions = (entry,) if low <= ords[entry] <= high else ()
                else:
                    positions = _between(entry, ords, low, high)
                for pos in positions:
                    if first_bank[pos] <= bank <= last_bank[pos]:
                        distance = abs(ords[pos] - bank)
                        found.append(self._single_alt(line_no, pos, kind, distance))
        if self.undated:
            for pos in self.undated.get((currency, amount), ()):
                found.append(self._single_alt(line_no, pos, kind, None))

    def _single_alt(self, line_no, pos, kind, distance):
        if self._mentioned(line_no, pos):
            return (pos,), REFERENCE, _score(REFERENCE, distance), 2
        return (pos,), kind, _score(kind, distance), 1

    def _mentioned(self, line_no, pos):
        """Whether line ``line_no``'s label quotes one of payout ``pos``'s refs."""
        refs = self.payouts[pos].refs
        if not refs:
            return False
        folded = self._folded.get(line_no)
        if folded is None:
            folded = self._folded[line_no] = _fold(self.lines[line_no].label)
        if not folded:
            return False
        for ref in refs:
            folded_ref = ref.casefold() if ref else ""
            probe = folded_ref if folded_ref.isalnum() else _probe(folded_ref)
            if probe is not None and probe in folded:
                tokens = self._line_tokens(line_no)
                if _mentions(folded, _normalize_ref(ref), tokens):
                    return True
        return False

    def _line_tokens(self, line_no):
        tokens = self._tokens.get(line_no)
        if tokens is None:
            label = self._folded.get(line_no)
            if label is None:
                label = self._folded[line_no] = _fold(self.lines[line_no].label)
            tokens = self._tokens[line_no] = _label_tokens(label)
        return tokens

    # ---- groups (rule 3)

    def _group_candidates(self, claimed):
        """``({line: group alternatives}, {(currency, sign): sorted reaches})``: the
        subsets of open payouts found for each line, and the bank ordinals
        ``(first, last)`` of the payouts whose neighbours were capped."""
        groups, truncated = {}, defaultdict(list)
        if self.opt.max_group_size < 2:
            return groups, truncated
        channels, places = self._open_channels(claimed)
        targets, limits = self._index_targets(places)
        cap = self.opt.max_group_neighbours
        for (currency, channel, sign), members in channels.items():
            if currency not in targets:
                continue
            ords = [member[0] for member in members]
            span = sum(self.windows[channel])
            scope = (targets[currency], limits[currency], self.windows[channel], groups)
            for start, (first_ord, first, _units) in enumerate(members):
                end = bisect_right(ords, first_ord + span, start + 1)
                if end - start - 1 > cap:
                    reach = (self.first_bank[first], self.last_bank[first])
                    truncated[(currency, sign)].append(reach)
                    end = start + 1 + cap
                if end - start > 1:
                    self._enumerate(scope, members[start:end])
        for reaches in truncated.values():
            reaches.sort()
        return groups, truncated

    def _open_channels(self, claimed):
        """Open dated payouts as ``(ordinal, position, amount in units)`` by
        ``(currency, channel, sign)``, sorted by date, where a unit is the smallest
        decimal place of the currency's open payouts: sums then run on integers."""
        channels, places = defaultdict(list), defaultdict(int)
        for pos, payout in enumerate(self.payouts):
            if payout.amount and self.ords[pos] is not None and pos not in claimed:
                key = (payout.currency, payout.channel_id, _sign(payout.amount))
                channels[key].append(pos)
                exponent = payout.amount.as_tuple().exponent
                places[payout.currency] = max(places[payout.currency], -exponent)
        for key, positions in channels.items():
            scale = places[key[0]]
            members = [
                (self.ords[pos], pos, int(self.payouts[pos].amount.scaleb(scale)))
                for pos in positions
            ]
            members.sort()
            positions[:] = members
        return channels, places

    def _index_targets(self, places):
        """``{currency: {amount in units: line, or lines by date}}`` of the lines'
        targets a sum of open payouts may reach, and the largest target in units."""
        targets, limits = defaultdict(dict), defaultdict(int)
        own = [
            (line.currency, line.amount) if line.amount else None for line in self.lines
        ]
        for n, pairs in enumerate(zip(own, self.foreign, strict=True)):
            for pair in pairs:
                if pair is None:
                    continue
                currency, amount = pair
                if currency in places:
                    scaled = amount.scaleb(places[currency])
                    units = int(scaled)
                    if units == scaled:  # else finer than any open payout: no sum
                        _add_to_index(targets[currency], units, n)
                        if abs(units) > limits[currency]:
                            limits[currency] = abs(units)
        _sort_index(targets, self.line_ords)
        return targets, limits

    def _enumerate(self, scope, members):
        """Find the subsets of ``members`` (one channel, one sign, by date) that
        contain ``members[0]``, have 2 to ``max_group_size`` payouts and sum to the
        amount of a line inside their window (bounded DFS: a sum past the largest
        target prunes its branch)."""
        targets, limit, (before, after), groups = scope
        first_ord, first, first_units = members[0]
        stack = [(1, first_units, (first,))]
        while stack:
            k0, total, chosen = stack.pop()
            for k in range(k0, len(members)):
                last_ord, last, units = members[k]
                subtotal = total + units
                if abs(subtotal) > limit:
                    continue
                subset = (*chosen, last)
                entry = targets.get(subtotal)
                if entry is not None:
                    low, high = last_ord - before, first_ord + after
                    for n in _between(entry, self.line_ords, low, high):
                        groups.setdefault(n, []).append(self._group_alt(n, subset))
                if len(subset) < self.opt.max_group_size:
                    stack.append((k + 1, subtotal, subset))

    def _group_alt(self, line_no, subset):
        bank = self.line_ords[line_no]
        distance = max(abs(self.ords[pos] - bank) for pos in subset)
        mentioned = sum(self._mentioned(line_no, pos) for pos in subset)
        members = tuple(sorted(subset))
        return members, GROUP, _score(GROUP, distance), 1 + mentioned

    def _incomplete(self, line_no, truncated):
        """Whether a capped payout may settle the line: its subsets were not all
        tried."""
        bank = self.line_ords[line_no]
        for currency, amount in self._targets(line_no):
            reaches = truncated.get((currency, _sign(amount)), ())
            low = bisect_left(reaches, (bank - sum(self.widest),))
            high = bisect_right(reaches, (bank, float("inf")))
            if any(last >= bank for _first, last in reaches[low:high]):
                return True
        return False

    # ---- conflicts (rule 5)

    def _resolve(self, chosen, alternatives):
        """``({line: automatic alternative}, {line: [alternatives]})``: a payout
        chosen by several lines goes to its one strongest claimant, if any."""
        claims, crowded = {}, defaultdict(list)
        for n, alt in chosen.items():
            for pos in alt[_MEMBERS]:
                first = claims.setdefault(pos, n)
                if first != n:
                    crowded[pos].append(n)
        losers = set()
        for pos, others in crowded.items():
            claimants = [claims[pos], *others]
            strengths = [min(chosen[c][_STRENGTH], 2) for c in claimants]
            best = max(strengths)
            ties = strengths.count(best)
            losers.update(
                c
                for c, strength in zip(claimants, strengths, strict=True)
                if strength < best or ties > 1
            )
        matches = {n: alt for n, alt in chosen.items() if n not in losers}
        taken = {pos for alt in matches.values() for pos in alt[_MEMBERS]}
        proposals = {}
        for n in (*alternatives, *losers):
            if n not in matches:
                alts = alternatives.get(n) or (chosen[n],)
                kept = [alt for alt in alts if taken.isdisjoint(alt[_MEMBERS])]
                if kept:
                    proposals[n] = kept
        return matches, proposals

    # ---- converted FX (rule 6)

    def _add_converted(self, matches, proposals):
        taken = {pos for alt in matches.values() for pos in alt[_MEMBERS]}
        by_currency = defaultdict(list)
        for pos, payout in enumerate(self.payouts):
            if payout.amount and pos not in taken:
                by_currency[payout.currency].append((payout.amount, pos))
        index = {}
        for currency, entries in by_currency.items():
            entries.sort()
            index[currency] = ([a for a, _ in entries], [p for _, p in entries])
        for n, line in enumerate(self.lines):
            if n in matches or n in proposals or not line.amount or self.foreign[n]:
                continue
            alts = []
            for currency, entry in index.items():
                if currency != line.currency:
                    alts += self._converted_alts(n, currency, entry)
            if alts:
                proposals[n] = alts

    def _converted_alts(self, line_no, currency, entry):
        """Payouts in ``currency`` within the tolerance of the converted line."""
        line, bank = self.lines[line_no], self.line_ords[line_no]
        converted = self.opt.convert(line.amount, line.currency, currency, line.date)
        if not converted:
            return []
        tolerance = self.tolerance
        low, high = sorted((converted / (1 + tolerance), converted / (1 - tolerance)))
        amounts, positions = entry
        alts = []
        for k in range(bisect_left(amounts, low), bisect_right(amounts, high)):
            pos, amount = positions[k], amounts[k]
            deviation = abs(converted - amount) / abs(amount)
            if deviation > tolerance or not self._reaches_line(pos, bank):
                continue
            ordinal = self.ords[pos]
            distance = UNDATED_DISTANCE if ordinal is None else abs(ordinal - bank)
            penalty = min(int(deviation * 1000), FX_DEVIATION_MAX)
            score = FX_CONVERTED_BASE - distance - penalty
            alts.append(((pos,), FX, score, 1))
        return alts

    # ---- result

    def _result(self, matches, proposals):
        lines, payouts = self.lines, self.payouts
        offered = {n: self._alternatives(alts) for n, alts in sorted(proposals.items())}
        used = {pos for alt in matches.values() for pos in alt[_MEMBERS]}
        used.update(
            pos for alts in offered.values() for alt in alts for pos in alt[_MEMBERS]
        )
        return Result(
            matches=tuple(
                Match(lines[n].id, self._ids(alt[_MEMBERS]), alt[_KIND], alt[_SCORE])
                for n, alt in sorted(matches.items(), key=_first)
            ),
            proposals=tuple(
                Proposal(
                    lines[n].id,
                    tuple(
                        Alternative(self._ids(alt[_MEMBERS]), alt[_KIND], alt[_SCORE])
                        for alt in alts
                    ),
                )
                for n, alts in offered.items()
            ),
            unmatched_bank_line_ids=tuple(
                line.id
                for n, line in enumerate(lines)
                if n not in matches and n not in proposals
            ),
            unmatched_payout_ids=tuple(
                p.id for pos, p in enumerate(payouts) if pos not in used
            ),
        )

    def _ids(self, members):
        if len(members) == 1:
            return (self.payouts[members[0]].id,)
        return tuple(self.payouts[pos].id for pos in members)

    def _alternatives(self, alts):
        """The best ``max_alternatives`` alternatives, best score first."""
        ordered = sorted(alts, key=lambda alt: (-alt[_SCORE], alt[_MEMBERS]))
        return ordered[: self.opt.max_alternatives]
