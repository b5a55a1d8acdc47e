"""A rotated ledger key: accepted by the centre once the old key announced it in the ledger;
an unannounced, forged or tampered announcement still refused (``ledger_key_changed``).

Through the real path: the edge's ledger and shipper, the centre's receiver and ledger
ingest, on SQLite and PostgreSQL (``store``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import JsonValue

from kordon.evidence.entry import EntryKind
from kordon.evidence.errors import LedgerError
from kordon.evidence.keys import Signer
from kordon.evidence.ledger import Ledger
from kordon.link.ledger_ingest import LedgerIngestor, stored_heads
from kordon.link.ledger_rotation import (
    SUBJECT,
    rotate_ledger_key,
    rotate_site_key,
    rotation_payload,
)
from kordon.link.ledger_rows import EdgeLedgerStateRow
from kordon.link.receiver import LinkReceiver
from kordon.link.receiver_settings import Refusal
from kordon.store import Store
from tests.link.ledger_support import (
    CENTRE_NOW,
    EDGE,
    TOPICS,
    Refusals,
    centre_receiver,
    open_ledger,
    ship_all,
    shipper,
    write_entries,
)
from tests.link.support import edge_store


@dataclass
class Rig:
    directory: Path
    edge_db: Store
    centre: Store
    receiver: LinkReceiver
    refusals: Refusals
    old: Signer
    new: Signer
    ledger: Ledger

    def reopen(self, signer: Signer) -> None:
        """The edge restarts with ``signer`` as its ledger key."""
        self.ledger.close()
        self.ledger = open_ledger(self.directory, signer=signer, every=5)

    def pinned(self) -> str | None:
        with self.centre.sessions() as session:
            row = session.get(EdgeLedgerStateRow, EDGE)
            return None if row is None else row.key_id

    def send_next(self, batch_entries: int = 50) -> bool:
        """One run from the edge; ``True`` if the centre took it."""
        source = shipper(self.ledger, self.edge_db, batch_entries=batch_entries)
        run = source.next_run()
        assert run is not None
        ack = self.receiver.handle_ledger(TOPICS.ledger(EDGE), run.payload)
        if ack is None or ack.acked_size != run.end:
            return False
        assert source.acknowledged(ack)
        return True


@pytest.fixture
def rig(store: Store, tmp_path: Path) -> Iterator[Rig]:
    """An edge whose ledger (16 entries, old key) is all at the centre, the key pinned."""
    old, new = Signer.generate(), Signer.generate()
    ledger = open_ledger(tmp_path / "ledger", signer=old, every=5)
    refusals = Refusals()
    rig = Rig(
        tmp_path / "ledger",
        edge_store(tmp_path / "edge.db"),
        store,
        centre_receiver(store, refusals),
        refusals,
        old,
        new,
        ledger,
    )
    write_entries(ledger, 16)
    ledger.sign_tree_head(CENTRE_NOW)
    ship_all(shipper(ledger, rig.edge_db), rig.receiver)
    assert rig.pinned() == old.key_id
    yield rig
    rig.ledger.close()
    rig.edge_db.close()


def test_a_key_announced_by_the_old_one_is_accepted(rig: Rig) -> None:
    write_entries(rig.ledger, 3, start=16)
    rotation = rotate_ledger_key(rig.ledger, rig.old, rig.new, time=CENTRE_NOW)
    assert rotation.seq == 19
    rig.reopen(rig.new)
    write_entries(rig.ledger, 12, start=20)
    rig.ledger.sign_tree_head(CENTRE_NOW)
    # Short runs: the first ones stop before the rotation, yet carry the new key's latest
    # head (left out until the run that reaches the rotation).
    runs = ship_all(shipper(rig.ledger, rig.edge_db, batch_entries=3), rig.receiver)
    assert runs == 6
    assert rig.refusals.seen == []
    assert rig.pinned() == rig.new.key_id
    assert LedgerIngestor(rig.centre).size(EDGE) == rig.ledger.size == 32
    heads = stored_heads(rig.centre, EDGE)
    assert {h.key_id for h in heads if h.tree_size > 20} == {rig.new.key_id}
    assert {h.key_id for h in heads if h.tree_size <= 16} == {rig.old.key_id}
    assert all(h.verified for h in heads)
    assert max(h.tree_size for h in heads) == 32


def test_the_retired_key_may_seal_its_rotation_but_sign_nothing_after(rig: Rig) -> None:
    rotate_ledger_key(rig.ledger, rig.old, rig.new, time=CENTRE_NOW)  # seq 16, sealed at 17
    write_entries(rig.ledger, 1, start=17)
    rig.ledger.sign_tree_head(CENTRE_NOW)  # the old key again, at 18: not allowed
    before = LedgerIngestor(rig.centre).size(EDGE)
    assert not rig.send_next()
    [(edge, why, detail)] = rig.refusals.seen
    assert (edge, why) == (EDGE, Refusal.LEDGER_KEY_CHANGED)
    assert "tree head at size 18" in detail
    assert LedgerIngestor(rig.centre).size(EDGE) == before  # nothing of the run stored
    assert rig.pinned() == rig.old.key_id


def test_an_unannounced_key_is_still_refused(rig: Rig) -> None:
    rig.reopen(rig.new)
    write_entries(rig.ledger, 4, start=16)
    rig.ledger.sign_tree_head(CENTRE_NOW)
    assert not rig.send_next()
    [(_edge, why, detail)] = rig.refusals.seen
    assert why is Refusal.LEDGER_KEY_CHANGED
    assert "but the centre pinned key" in detail
    assert "key_rotation entry signed by the old key" in detail
    assert rig.pinned() == rig.old.key_id
    assert LedgerIngestor(rig.centre).size(EDGE) == 16


def _announce(rig: Rig, payload: dict[str, JsonValue]) -> None:
    """A rotation entry as given, then the new key in use."""
    rig.ledger.append(EntryKind.KEY_ROTATION, SUBJECT, time=CENTRE_NOW, payload=payload)
    rig.reopen(rig.new)
    write_entries(rig.ledger, 2, start=17)
    rig.ledger.sign_tree_head(CENTRE_NOW)


def _flip(hex_text: JsonValue) -> str:
    text = str(hex_text)
    return ("1" if text[0] == "0" else "0") + text[1:]


@pytest.mark.parametrize(
    ("edit", "detail"),
    [
        pytest.param(
            lambda _old, new: rotation_payload(Signer.generate(), new),
            "retires key",
            id="announced by a key not in force",
        ),
        pytest.param(
            lambda old, new: {
                **rotation_payload(old, new),
                "old_signature": _flip(rotation_payload(old, new)["old_signature"]),
            },
            "the old key's signature does not verify",
            id="old signature tampered",
        ),
        pytest.param(
            lambda old, new: {
                **rotation_payload(old, new),
                "new_signature": _flip(rotation_payload(old, new)["new_signature"]),
            },
            "the new key's signature does not verify",
            id="new key not proven",
        ),
        pytest.param(
            lambda old, new: {
                **rotation_payload(old, new),
                "new_key_id": Signer.generate().key_id,
            },
            "the new public key does not have the new key id",
            id="key id swapped",
        ),
        pytest.param(
            lambda _old, new: {"statement": "please trust me", "new_key_id": new.key_id},
            "payload must be a kordon-ledger-key-rotation-v1 statement",
            id="not a statement",
        ),
    ],
)
def test_a_bad_announcement_is_refused_and_nothing_stored(
    rig: Rig, edit: Callable[[Signer, Signer], dict[str, JsonValue]], detail: str
) -> None:
    _announce(rig, edit(rig.old, rig.new))
    assert not rig.send_next()
    [(_edge, why, said)] = rig.refusals.seen
    assert why is Refusal.LEDGER_KEY_CHANGED
    assert detail in said
    assert rig.pinned() == rig.old.key_id
    assert LedgerIngestor(rig.centre).size(EDGE) == 16


def test_a_stopped_sites_key_is_rotated_in_place_and_the_centre_follows(
    store: Store, tmp_path: Path
) -> None:
    """``rotate_site_key`` on a site's data directory, as ``LedgerService`` keeps it."""
    data = tmp_path / "site"
    old = Signer.load_or_create(data)
    ledger = open_ledger(data / "ledger", signer=old, every=5)
    write_entries(ledger, 8)
    ledger.sign_tree_head(CENTRE_NOW)
    edge_db = edge_store(tmp_path / "edge.db")
    receiver = centre_receiver(store, refusals := Refusals())
    try:
        ship_all(shipper(ledger, edge_db), receiver)
        ledger.close()
        held = open_ledger(data / "ledger", signer=old)  # a running node: no rotation
        try:
            with pytest.raises(LedgerError, match="open in another process"):
                rotate_site_key(data, time=CENTRE_NOW)
        finally:
            held.close()
        assert Signer.load_or_create(data).key_id == old.key_id
        done = rotate_site_key(data, time=CENTRE_NOW)
        assert done.entry is not None
        assert done.entry.seq == 8
        assert (done.old_key_id, Signer.load(done.retired).key_id) == (old.key_id,) * 2
        new = Signer.load_or_create(data)  # what the node loads at its next start
        assert new.key_id == done.new_key_id != old.key_id
        assert not (data / "keys" / "ledger_ed25519.next.pem").exists()
        ledger = open_ledger(data / "ledger", signer=new, every=5)
        write_entries(ledger, 6, start=9)
        ledger.sign_tree_head(CENTRE_NOW)
        ship_all(shipper(ledger, edge_db), receiver)
        assert refusals.seen == []
        with store.sessions() as session:
            row = session.get(EdgeLedgerStateRow, EDGE)
            assert row is not None
            assert (row.key_id, row.size) == (new.key_id, 15)
    finally:
        ledger.close()
        edge_db.close()


def test_an_interrupted_rotation_is_finished_not_announced_twice(tmp_path: Path) -> None:
    data = tmp_path / "site"
    old = Signer.load_or_create(data)
    pending = Signer.generate()
    pending.save(data / "keys" / "ledger_ed25519.next.pem")
    ledger = open_ledger(data / "ledger", signer=old, every=0)
    write_entries(ledger, 2)
    rotate_ledger_key(ledger, old, pending, time=CENTRE_NOW)  # then the power went
    ledger.close()
    done = rotate_site_key(data, time=CENTRE_NOW)
    assert done.entry is None
    assert Signer.load_or_create(data).key_id == pending.key_id == done.new_key_id
    ledger = open_ledger(data / "ledger", signer=pending, every=0)
    try:
        assert ledger.size == 3  # one announcement only
    finally:
        ledger.close()
