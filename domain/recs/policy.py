"""When to suggest what, to whom: the recommendation policy, as a pure core.

* With every scanned product, everyone sees related items. They are product
  information, not offers: no consent, no identifier, no cap.
* Suggestions from the shopper's own history need ``personal_recs``; suggestions at
  pickup need ``pickup_offers``. These are capped at :data:`PERSONAL_CAP` a visit, never
  repeated within a visit, and never made on entry or while walking; one a moment, except
  when the shopper opens their suggestions on purpose (:attr:`Moment.ASKED`).
* Every suggestion carries a plain "why" in the shopper's language.
* The price on a suggestion is the catalog's one price. A suggestion has no discount
  field at all: promotions, if any, are in the catalog, the same for everyone.

The core is split in two around the model call: :func:`plan` says which questions to ask
the model (and so which data may be touched), :func:`decide` turns the model's answers
into what is shown and the visit's new state. Both take ``now`` and data; neither reads a
clock, a file or the network.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import Final, Protocol

from domain.recs.texts import Reason, why
from protocol.purposes import Purpose

PERSONAL_CAP: Final = 3  # a few a visit: more reads as pushing (shopper research, DESIGN 5)
PERSONAL_PER_MOMENT: Final = 1  # one at a time, so the cap spreads over the visit
RELATED_COUNT: Final = 4  # what fits under the product on a kiosk screen
VISIT_IDLE_S: Final = 30 * 60.0  # 30 min without a moment: the shopper has left
HISTORY_WEIGHT: Final = 0.5  # past purchases say less about now than the item in hand
HISTORY_LIMIT: Final = 32  # the most recent items; older ones add time, not recall


class Moment(enum.StrEnum):
    """Where in the journey the shopper is."""

    ENTRY = "entry"
    WALKING = "walking"
    SCAN = "scan"
    CHECKOUT = "checkout"
    PICKUP = "pickup"
    ASKED = "asked"  # the shopper opened their suggestions (the phone page): up to the cap


class Kind(enum.StrEnum):
    RELATED = "related"  # product information for everyone
    PERSONAL = "personal"  # from the shopper's history (personal_recs)
    PICKUP = "pickup"  # at online-order pickup (pickup_offers)


@dataclass(frozen=True, slots=True)
class Product:
    """What the catalog says about an item. ``price_cents`` is the one price for all."""

    index: int
    sku: str
    name: str
    price_cents: int
    in_stock: bool = True
    recommendable: bool = True  # False: alcohol, tobacco, medicines are never suggested


class ProductBook(Protocol):
    """The catalog as the policy sees it."""

    def product(self, index: int) -> Product: ...


@dataclass(frozen=True, slots=True)
class Visit:
    """One shopper's visit so far: when it started, the last moment, what was offered."""

    started: float
    last: float
    personal_shown: tuple[int, ...] = ()

    @classmethod
    def begin(cls, now: float) -> Visit:
        return cls(now, now)


@dataclass(frozen=True, slots=True)
class Question:
    """One request to the model: context items, their weights, items never to return."""

    kind: Kind
    context: tuple[int, ...]
    weights: tuple[float, ...]
    exclude: tuple[int, ...]
    k: int


@dataclass(frozen=True, slots=True)
class Plan:
    visit: Visit
    moment: Moment
    questions: tuple[Question, ...]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A model answer: item, score, and the context item it came from (None: prior)."""

    item: int
    score: float
    anchor: int | None


@dataclass(frozen=True, slots=True)
class Suggestion:
    """What the screen shows. There is deliberately no discount or personal price."""

    kind: Kind
    sku: str
    name: str
    price_cents: int
    reason: Reason
    why: str
    anchor_sku: str | None


@dataclass(frozen=True, slots=True)
class Decision:
    related: tuple[Suggestion, ...]
    personal: tuple[Suggestion, ...]


_FROM_HISTORY: Final = frozenset({Moment.SCAN, Moment.CHECKOUT, Moment.ASKED})


def _per_moment(moment: Moment) -> int:
    """Personal suggestions at one moment: one, unless the shopper asked for them."""
    return PERSONAL_CAP if moment is Moment.ASKED else PERSONAL_PER_MOMENT


def current_visit(now: float, visit: Visit | None) -> Visit:
    """The visit ``now`` belongs to: the same one, or a new one after an idle gap."""
    if visit is None or now - visit.last > VISIT_IDLE_S or now < visit.started:
        return Visit.begin(now)
    return visit


def plan(
    now: float,
    visit: Visit | None,
    moment: Moment,
    consents: Collection[Purpose],
    *,
    scanned: int | None = None,
    history: Sequence[int] = (),
    pickup_order: Sequence[int] = (),
) -> Plan:
    """Which questions to ask the model for this moment. History and the pickup order
    appear in a question only when the shopper consented to the purpose that uses them."""
    v = current_visit(now, visit)
    questions: list[Question] = []
    if moment is Moment.SCAN and scanned is not None:
        questions.append(Question(Kind.RELATED, (scanned,), (1.0,), (scanned,), RELATED_COUNT * 2))
    room = min(_per_moment(moment), PERSONAL_CAP - len(v.personal_shown))
    if room > 0:
        personal = _personal_question(
            moment,
            consents=consents,
            scanned=scanned,
            history=history,
            pickup_order=pickup_order,
            visit=v,
            room=room,
        )
        if personal is not None:
            questions.append(personal)
    return Plan(v, moment, tuple(questions))


def _personal_question(
    moment: Moment,
    *,
    consents: Collection[Purpose],
    scanned: int | None,
    history: Sequence[int],
    pickup_order: Sequence[int],
    visit: Visit,
    room: int,
) -> Question | None:
    if moment in _FROM_HISTORY and Purpose.PERSONAL_RECS in consents:
        recent = tuple(dict.fromkeys(reversed(history)))[:HISTORY_LIMIT][::-1]
        if not recent:
            return None
        held = (*recent, *((scanned,) if scanned is not None else ()))
        exclude = (*held, *visit.personal_shown)
        k = room + RELATED_COUNT * 2  # spare answers: some are on screen or out of stock
        return Question(Kind.PERSONAL, recent, (HISTORY_WEIGHT,) * len(recent), exclude, k)
    if moment is Moment.PICKUP and Purpose.PICKUP_OFFERS in consents and pickup_order:
        order = tuple(dict.fromkeys(pickup_order))
        exclude = (*order, *visit.personal_shown)
        k = room + RELATED_COUNT * 2
        return Question(Kind.PICKUP, order, (1.0,) * len(order), exclude, k)
    return None


def decide(
    now: float,
    planned: Plan,
    answers: Sequence[Sequence[Candidate]],
    book: ProductBook,
    language: str | None,
) -> tuple[Decision, Visit]:
    """What to show, given the model's answers to ``planned.questions`` (same order),
    and the visit afterwards. Only in-stock, recommendable items; related items first;
    personal ones never repeat an item shown on this screen or earlier in the visit."""
    visit = planned.visit
    related: list[Suggestion] = []
    personal: list[Suggestion] = []
    on_screen: set[int] = set()
    shown = list(visit.personal_shown)
    for q, cands in zip(planned.questions, answers, strict=True):
        if q.kind is Kind.RELATED:
            limit = RELATED_COUNT
        else:
            limit = min(_per_moment(planned.moment), PERSONAL_CAP - len(shown))
        taken = 0
        for c in cands:
            if taken >= limit:
                break
            if c.item in on_screen or c.item in q.exclude or c.item in shown:
                continue
            p = book.product(c.item)
            if not (p.in_stock and p.recommendable):
                continue
            s = _suggestion(q.kind, p, c.anchor, book, language)
            (related if q.kind is Kind.RELATED else personal).append(s)
            on_screen.add(c.item)
            if q.kind is not Kind.RELATED:
                shown.append(c.item)
            taken += 1
    new_visit = replace(visit, last=max(now, visit.last), personal_shown=tuple(shown))
    return Decision(tuple(related), tuple(personal)), new_visit


_REASON: Final = {Kind.RELATED: Reason.TOGETHER, Kind.PERSONAL: Reason.HISTORY}


def _suggestion(
    kind: Kind, p: Product, anchor: int | None, book: ProductBook, language: str | None
) -> Suggestion:
    anchor_p = book.product(anchor) if anchor is not None else None
    reason = _REASON.get(kind, Reason.PICKUP) if anchor_p is not None else Reason.POPULAR
    return Suggestion(
        kind=kind,
        sku=p.sku,
        name=p.name,
        price_cents=p.price_cents,  # the catalog's one price: nothing here may change it
        reason=reason,
        why=why(reason, anchor_p.name if anchor_p else None, language),
        anchor_sku=anchor_p.sku if anchor_p else None,
    )
