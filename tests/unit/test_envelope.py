"""The signed envelope: a message is taken only with a good signature by a trusted key,
fresh, and (a roster) not older than what is held."""

from __future__ import annotations

import pytest

from protocol.envelope import (
    MAX_SKEW_S,
    Refusal,
    RefusedError,
    Signer,
    Verifier,
    check_fresh,
    key_id,
)
from protocol.signing import new_signing_key, public_key_to_text

PAYLOAD = b'{"v":2,"id":"x","issued":1,"expires":2}'


def test_a_trusted_signature_is_taken_and_anything_else_refused() -> None:
    hub, stranger = new_signing_key(), new_signing_key()
    trust = Verifier([public_key_to_text(hub.public_key())])
    values = [v for _, v in Signer((hub,)).signatures(PAYLOAD)]
    trust.check(PAYLOAD, values)
    with pytest.raises(RefusedError) as unsigned:
        trust.check(PAYLOAD, [])
    assert unsigned.value.reason is Refusal.UNSIGNED
    with pytest.raises(RefusedError) as unknown:
        trust.check(PAYLOAD, [v for _, v in Signer((stranger,)).signatures(PAYLOAD)])
    assert unknown.value.reason is Refusal.UNKNOWN_KEY
    with pytest.raises(RefusedError) as tampered:
        trust.check(PAYLOAD.replace(b"2}", b"9}"), values)
    assert tampered.value.reason is Refusal.BAD_SIGNATURE
    forged = f"{key_id(hub.public_key())}:{values[0].split(':')[1][:-4]}AAA="
    with pytest.raises(RefusedError) as bad:
        trust.check(PAYLOAD, [forged])  # our key's id with a signature it did not make
    assert bad.value.reason is Refusal.BAD_SIGNATURE


def test_during_a_rotation_either_key_is_enough() -> None:
    old, new = new_signing_key(), new_signing_key()
    both = [v for _, v in Signer((new, old)).signatures(PAYLOAD)]
    Verifier([public_key_to_text(old.public_key())]).check(PAYLOAD, both)  # not yet refreshed
    Verifier([public_key_to_text(new.public_key())]).check(PAYLOAD, both)  # refreshed


def test_a_device_trusting_no_key_refuses_everything() -> None:
    trust = Verifier([])
    assert not trust.has_keys
    with pytest.raises(RefusedError):
        trust.check(PAYLOAD, [v for _, v in Signer((new_signing_key(),)).signatures(PAYLOAD)])


def test_freshness_allows_the_clock_skew_and_no_more() -> None:
    check_fresh(issued=1000.0, expires=1600.0, now=1600.0 + MAX_SKEW_S - 1, longest=600)
    check_fresh(issued=1000.0, expires=1600.0, now=1000.0 - MAX_SKEW_S + 1, longest=600)
    with pytest.raises(RefusedError) as late:
        check_fresh(issued=1000.0, expires=1600.0, now=1600.0 + MAX_SKEW_S + 1, longest=600)
    assert late.value.reason is Refusal.EXPIRED
    with pytest.raises(RefusedError) as early:
        check_fresh(issued=1000.0, expires=1600.0, now=1000.0 - MAX_SKEW_S - 1, longest=600)
    assert early.value.reason is Refusal.FUTURE


def test_an_old_message_claiming_a_far_expiry_is_stale() -> None:
    with pytest.raises(RefusedError) as stale:
        check_fresh(issued=1000.0, expires=99_000.0, now=5000.0, longest=600)
    assert stale.value.reason is Refusal.STALE
