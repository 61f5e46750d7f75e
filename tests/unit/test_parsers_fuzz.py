"""Property-based fuzzing of the parsers that money, dates and decisions do not already cover
(those are in test_money.py, test_dates.py, test_rules_decisions.py; mails in
test_mail_parse.py): labelled lines, sketches, co-funding, conference names, command lines and
the callback data of Telegram buttons. Whatever a person types, each returns a value or its own
polite error, never anything else."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.telegram_channel import CALLBACK_DATA_LIMIT, ButtonCommands
from handlers.commands import registry, split_command
from rules.conferences import LUENEBURG, Conference, find_conference
from rules.labelled import SINGLE_LINE, SKETCH_FIELD_NAMES, SKETCH_LABELS, parse_labelled
from rules.money import AmountError
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
    | st.characters(blacklist_categories=("Cs",)),
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
def test_button_data_fits_telegram_and_leads_back_to_its_command(command: str,
                                                                 tmp_path_factory) -> None:
    path = Path(tmp_path_factory.mktemp("buttons")) / "buttons.json"
    data = ButtonCommands(path).data_for(command)

    assert len(data.encode()) <= CALLBACK_DATA_LIMIT
    assert ButtonCommands(path).command_for(data) == command  # also after a restart
