"""The mail channel's queue and outgoing mails, on real files: what is queued survives a restart,
what was sent is not sent again, and the bytes we write are mails that parse back to what we
meant (no header smuggled in by a subject)."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from bot.mail.compose import header, plain_text, render
from bot.mail.queue import MailState, Outbox, Outgoing


def outgoing(key: str, urgent: bool = False) -> Outgoing:
    return Outgoing(key, f"{key}@example.org", f"Subject: {key}\r\n\r\nText\r\n".encode(),
                    urgent)


def test_records_written_with_their_answers_survive_a_journal_lost_to_a_power_failure(
        tmp_path: Path) -> None:
    """The records of mails answered together go into the answers' queue file, in its fsync;
    the journal's append after it is not fsynced until that file is deleted."""
    state = MailState(tmp_path)
    entries = [{"sid": f"m{i}", "folder": "Verarbeitet", "uid": str(i),
                "at": "2026-11-30T10:00:00"} for i in range(2)]
    [mail] = state.enqueue([outgoing("a")], entries)
    assert set(state.handled) == {"m0", "m1"}
    journal = tmp_path / "handled.jsonl"
    assert len(journal.read_text().splitlines()) == 2
    journal.write_text("")  # the power failed before the disk had the journal's append

    again = MailState(tmp_path)
    assert set(again.handled) == {"m0", "m1"}
    assert again.handled["m1"]["uid"] == "1"
    assert [m.digest for m in again.left_over] == [mail.digest]  # records are no mails
    assert len(journal.read_text().splitlines()) == 2, "appended again at the start"
    again.mark_sent(again.left_over[0])
    again.sync_sent()
    assert list((tmp_path / "queue").iterdir()) == []
    assert set(MailState(tmp_path).handled) == {"m0", "m1"}


def test_records_of_mails_whose_answers_were_queued_before_are_still_written(
        tmp_path: Path) -> None:
    state = MailState(tmp_path)
    state.enqueue([outgoing("a")])
    assert state.enqueue([outgoing("a")], [{"sid": "m0", "at": "2026-11-30"}]) == []
    assert "m0" in MailState(tmp_path).handled


def test_queued_mails_survive_a_restart_and_sent_ones_are_not_sent_again(tmp_path: Path) -> None:
    state = MailState(tmp_path)
    first = state.enqueue([outgoing("a"), outgoing("b", urgent=True), outgoing("c")])
    assert len(list((tmp_path / "queue").iterdir())) == 1  # one file for the group
    state.mark_sent(first[0])
    state.close()  # killed: sent.log written, never fsynced by sync_sent

    again = MailState(tmp_path)
    assert [(m.digest, m.recipient, m.urgent, m.read()) for m in again.left_over] == [
        (m.digest, m.recipient, m.urgent, m.read()) for m in first[1:]]
    assert again.enqueue([outgoing("a"), outgoing("b")]) == []  # keys taken, sent or not
    for mail in again.left_over:
        again.mark_sent(mail)
    again.sync_sent()
    assert list((tmp_path / "queue").iterdir()) == []
    again.close()
    assert MailState(tmp_path).left_over == []


def test_a_torn_last_line_of_sent_log_is_ignored_and_ended(tmp_path: Path) -> None:
    state = MailState(tmp_path)
    [mail] = state.enqueue([outgoing("a")])
    state.close()
    (tmp_path / "sent.log").write_text(f"{mail.digest[:10]}", encoding="ascii")  # power failure
    again = MailState(tmp_path)
    assert [m.digest for m in again.left_over] == [mail.digest]
    again.mark_sent(again.left_over[0])
    again.close()
    assert MailState(tmp_path).left_over == []


def test_answers_go_out_before_notifications(tmp_path: Path) -> None:
    state = MailState(tmp_path)
    outbox = Outbox()
    outbox.add(state.enqueue([outgoing("notice-1"), outgoing("notice-2")]))
    outbox.add(state.enqueue([outgoing("answer", urgent=True)]))
    order = []
    while (mail := outbox.take()) is not None:
        order.append(mail.recipient)
        outbox.done(mail)
    assert order == ["answer@example.org", "notice-1@example.org", "notice-2@example.org"]


def test_connections_side_by_side_never_carry_two_mails_to_one_recipient(tmp_path: Path) -> None:
    """Several connections take from the outbox at once: each recipient's mails still go one
    after the other, in the order queued, answers before notifications; a mail that could not
    be sent goes first again."""
    state = MailState(tmp_path)
    outbox = Outbox()
    mails = [Outgoing(f"answer-{n}", f"{who}@example.org", b"Subject: x\r\n\r\nText\r\n",
                      urgent=True) for n, who in enumerate(["anna", "anna", "bert", "anna"])]
    outbox.add(state.enqueue([outgoing("notice")]))
    outbox.add(state.enqueue(mails))
    first, second = outbox.take(), outbox.take()
    assert first is not None
    assert second is not None
    assert (first.recipient, second.recipient) == ("anna@example.org", "bert@example.org")
    assert outbox.take() is None  # only Anna's wait, and one of hers is on its way
    assert outbox.urgent == 4
    assert len(outbox) == 5
    outbox.put_back(first)  # the connection broke: it goes first again
    again = outbox.take()
    assert again is first
    outbox.done(again)
    outbox.done(second)
    order = []
    while (mail := outbox.take()) is not None:
        order.append(mail.digest)
        outbox.done(mail)
    assert order == [state.key_hash(k) for k in ("answer-1", "answer-3", "notice")]
    assert len(outbox) == 0
    assert outbox.urgent == 0


def test_a_full_disk_queues_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = MailState(tmp_path)

    def full(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("bot.mail.queue.fsync_dir", full)
    with pytest.raises(OSError, match="No space"):
        state.enqueue([outgoing("a")])
    monkeypatch.undo()
    assert list((tmp_path / "queue").iterdir()) == []
    assert len(state.enqueue([outgoing("a")])) == 1  # the key was not taken


@pytest.mark.parametrize("subject", [
    "=?utf-8?q?Hallo=0D=0ABcc:_opfer@example.org?=",  # a subject that was encoded twice
    "Hallo =?utf-8?b?DQpCY2M6IG9wZmVyQGV4YW1wbGUub3Jn?= Welt",
    "Re: Projektskizze für den Sozialraum Adendorf " * 4,
    "Nicht verarbeitet: \x00\x07 Steuerzeichen",
])
def test_no_subject_becomes_a_second_header(subject: str) -> None:
    data = render([header("To", "kita@example.org"), header("Subject", subject)],
                  plain_text("Guten Tag"))
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert [name.lower() for name in message] == [
        "to", "subject", "content-type", "content-transfer-encoding", "mime-version"]


def test_our_mails_read_back_as_written() -> None:
    text = ("Vielen Dank für Ihre Skizze „Lesen“. \nZeile mit Leerzeichen am Ende  \n"
            + "x" * 200 + "\n.\nFrom here\n")
    data = render([header("From", "budget2@example.org"), header("To", "kita@example.org"),
                   header("Subject", "Re: Skizze für Adendorf [ADE-2026-001]"),
                   header("Message-ID", "<sozialbot.ADE-2026-001." + "a" * 60 + "@example.org>")],
                  plain_text(text))
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    assert message.get_content().replace("\r\n", "\n") == text
    assert str(message["Subject"]) == "Re: Skizze für Adendorf [ADE-2026-001]"
    assert message["Message-ID"].startswith("<sozialbot.ADE-2026-001.")
    assert all(len(line) <= 998 for line in data.split(b"\r\n"))
    assert b"\n" not in data.replace(b"\r\n", b"")
