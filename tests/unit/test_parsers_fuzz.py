"""Property-based fuzzing of the parsers that money, dates and decisions do not already cover
(those are in test_money.py, test_dates.py, test_rules_decisions.py; mails in
test_mail_parse.py): labelled lines, sketches, co-funding, conference names, command lines and
the callback data of Telegram buttons. Whatever a person types, each returns a value or its own
polite error, never anything else."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.telegram.buttons import CALLBACK_DATA_LIMIT, ButtonCommands
from handlers.commands import registry, split_command
from rules.conferences import LUENEBURG, Conference, find_conference
from rules.dates import DateError, TimeError, take_date, take_time
from rules.decisions import DecisionLineError, meant_as_decision, parse_decision_line
from rules.labelled import (
    SINGLE_LINE,
    SKETCH_FIELD_NAMES,
    SKETCH_LABELS,
    label_line,
    parse_labelled,
)
from rules.money import AmountError
from rules.questions import asked_balance, asked_list, asked_sessions, asked_status, only_thanks
from rules.sketch import (
    NOT_FILLED_IN,
    REQUIRED,
    check_sketch,
    parse_cofunding,
    read_sketch_fields,
)

CONFERENCES = tuple(Conference(code, name) for code, name in LUENEBURG)
LABEL_WORDS = [v for variants in SKETCH_LABELS.values() for v in variants]

# Text as people type it, tilted towards what the parsers look for.
TYPED = st.lists(
    st.sampled_from([*":;,.-–/€ \n\t0123456789ß١e\u2028\r", "Betrag", "EUR", "Titel",
                     "Adendorf", "NaN"])
    | st.characters(blacklist_categories=["Cs"]),
    max_size=120,
).map("".join)
LINE = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=60)


@st.composite
def labelled_text(draw: st.DrawFn) -> str:
    lines = draw(st.lists(st.one_of(
        st.builds(lambda label, value: f"{label}: {value}", st.sampled_from(LABEL_WORDS), LINE),
        LINE,
    ), max_size=12))
    return "\n".join(lines)


@settings(max_examples=400, deadline=None)
@given(text=st.one_of(TYPED, labelled_text()))
def test_labelled_lines_give_known_fields_and_single_line_fields_stay_on_one_line(
        text: str) -> None:
    fields = parse_labelled(text, SKETCH_LABELS)

    assert set(fields) <= set(SKETCH_LABELS)
    for key in fields.keys() & SINGLE_LINE:
        assert "\n" not in fields[key]


@settings(max_examples=300, deadline=None)
@given(values=st.dictionaries(st.sampled_from(sorted(SKETCH_FIELD_NAMES)),
                              LINE.map(str.strip).filter(bool), max_size=8))
def test_a_sketch_written_as_the_form_reads_back_as_written(values: dict[str, str]) -> None:
    text = "\n".join(f"{SKETCH_FIELD_NAMES[key]}: {value}" for key, value in values.items())

    assert read_sketch_fields(text) == values


@settings(max_examples=400, deadline=None)
@given(text=st.one_of(TYPED, labelled_text()))
def test_every_unreadable_sketch_field_comes_with_its_reason(text: str) -> None:
    fields = read_sketch_fields(text)
    check = check_sketch(fields, CONFERENCES)

    given = {key for key, value in fields.items() if not NOT_FILLED_IN.fullmatch(value)}
    assert set(check.values) | set(check.invalid) == given - {"number"}
    assert set(REQUIRED) - given <= set(check.missing)  # "…", "-": a line not filled in
    assert not set(check.values) & set(check.invalid)
    assert len(check.problems) == len(check.invalid)
    amount = check.values.get("amount", 1)
    assert isinstance(amount, int)
    assert amount > 0


@settings(max_examples=400, deadline=None)
@given(text=TYPED)
def test_cofunding_is_a_funder_or_a_polite_amount_error(text: str) -> None:
    try:
        funders = parse_cofunding(text)
    except AmountError as error:
        message = str(error)
        funders = ()
    else:
        message = "read"
    assert message  # a value, or an error that says what is wrong
    for funder in funders:  # several are kept apart, each with a name; none for "keine"
        assert funder.funder.strip()
        assert funder.amount_cents is None or funder.amount_cents >= 0
    assert len(funders) <= max(1, sum(ch.isdigit() for ch in text))


@settings(max_examples=400, deadline=None)
@given(text=st.one_of(TYPED, st.sampled_from([c.name for c in CONFERENCES])))
def test_a_conference_is_found_only_by_its_code_or_name(text: str) -> None:
    found = find_conference(text, CONFERENCES)

    assert found is None or found in CONFERENCES
    if found is not None:
        typed = text.casefold().replace("ß", "ss")
        assert found.code.casefold() in typed or found.name.split()[-1].casefold() in typed


@settings(max_examples=400, deadline=None)
@given(text=st.one_of(TYPED, st.builds(lambda w, r: f"/{w}{r}", st.sampled_from(sorted(
    registry())), TYPED)))
def test_a_command_line_is_split_without_losing_the_body(text: str) -> None:
    word, args, body = split_command(text)

    lines = text.strip().splitlines()
    if word is None:
        assert not lines or not lines[0].strip().startswith("/")
    else:
        assert lines[0].strip().startswith("/")
        assert "\n" not in args
        assert body == "\n".join(lines[1:])


@settings(max_examples=200, deadline=None)
@given(command=st.text(max_size=120).filter(lambda c: "\x00" not in c))
def test_button_data_fits_telegram_and_leads_back_to_its_command(
        command: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    path = Path(tmp_path_factory.mktemp("buttons")) / "buttons.json"
    data = ButtonCommands(path).data_for(command)

    assert len(data.encode()) <= CALLBACK_DATA_LIMIT
    assert ButtonCommands(path).command_for(data) == command  # also after a restart


# -- the grammar read by the core for every channel (handlers/understand.py) --------------------

DECISION_WORDS = ["ADE-2026-003", "ADE-2026-12345", "3", "Nr.", "bewilligt", "abgelehnt",
                  "vertagt", "angenommen", "zurückgestellt", "einstimmig", "nicht", "mit",
                  "7:1:0", "(7 ja, 1 nein, 0 Enthaltungen)", "(ja 7, nein 1)", "1.200 €",
                  "1,500", "„Titel“", "(", ")", "ja", "-", ":"]
PHONE_LINE = st.lists(st.sampled_from(DECISION_WORDS) | LINE, max_size=10).map(" ".join)


@settings(max_examples=500, deadline=None)
@given(line=st.one_of(PHONE_LINE, TYPED))
def test_a_decision_line_is_read_or_refused_with_its_reason(line: str) -> None:
    try:
        read = parse_decision_line(line)
    except DecisionLineError as error:
        reason = str(error)
        read = None
    if read is None:
        assert reason.strip()
        return
    assert read.outcome in ("approved", "rejected", "deferred")
    assert read.amount_cents is None or read.outcome == "approved"
    assert read.amount_cents is None or read.amount_cents >= 0
    assert meant_as_decision(line)  # a line that reads as a decision is never skipped
    assert read.number.upper() in line.upper() or read.number.lstrip("0") in line


@settings(max_examples=400, deadline=None)
@given(text=st.one_of(TYPED, st.lists(st.sampled_from(
    ["am", "Do,", "5.", "11.", "5.11.", "2026", "November", "Nov.", "um", "19", "Uhr", "19:30",
     "31.02.", "2026-11-05", "Rathaus", ","]) | LINE, max_size=8).map(" ".join)))
def test_dates_and_times_in_text_are_read_or_refused_politely(text: str) -> None:
    try:
        day, rest = take_date(text, date(2026, 3, 2))
        take_time(rest)
    except (DateError, TimeError) as error:
        reason = str(error)
    else:
        assert 2000 <= day.year <= 2099
        assert len(rest) <= len(text)
        reason = "read"
    assert reason.strip()


@settings(max_examples=300, deadline=None)
@given(values=st.dictionaries(st.sampled_from(sorted(SKETCH_FIELD_NAMES.keys() - {"number"})),
                              LINE.map(str.strip).filter(lambda v: v and label_line(v) is None
                                                         and not v.startswith(("-", "*", "•"))),
                              max_size=8),
       numbered=st.booleans())
def test_a_word_form_with_headings_reads_back_as_written(values: dict[str, str],
                                                         numbered: bool) -> None:
    """Each heading alone on its line, its text on the next: no field is lost or mixed up."""
    text = "\n\n".join(f"{index}. {SKETCH_FIELD_NAMES[key]}\n{value}" if numbered else
                       f"{SKETCH_FIELD_NAMES[key]}\n{value}"
                       for index, (key, value) in enumerate(values.items(), 1))
    assert read_sketch_fields(text) == values


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(TYPED, st.lists(st.sampled_from(
    ["Wie", "ist", "der", "Stand", "Antrag", "ADE-2026-001", "?", "Geld", "noch", "da", "was",
     "mit", "unserem"]) | LINE, max_size=10).map(" ".join)))
def test_questions_are_recognized_without_crashing(text: str) -> None:
    status = asked_status(text)
    assert status is None or status == "" or status in text
    assert isinstance(asked_balance(text), bool)
    assert asked_list(text) in (None, "", "offen", "bewilligt", "abgelehnt", "vertagt")
    assert isinstance(asked_sessions(text), bool)
    assert isinstance(only_thanks(text), bool)
