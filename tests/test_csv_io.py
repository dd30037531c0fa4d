"""The CSV layer on its own: decoding, header checks, cell errors, list cells, neutralisation."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evaluator.services import csv_io
from evaluator.services.csv_io import Column, CsvFileError, CsvRowsError

COLUMNS = (
    Column("name", csv_io.text(20), required=True),
    Column("headcount", csv_io.integer(0, 1000)),
    Column("budget", csv_io.number()),
    Column("expires", csv_io.iso_date),
    Column("email", csv_io.email()),
    Column("website", csv_io.url(100)),
    Column("size", csv_io.choice(("small", "large"))),
)


def read(text: str, encoding="utf-8"):
    return csv_io.read_table(text.encode(encoding), COLUMNS, encoding)


def test_reads_typed_values_and_physical_line_numbers():
    table = read('name,headcount,budget,expires\nA,"1,000","1,500,000.5",2027-01-31\n\n'
                 'B,,12.5,\n"C\nsecond line",3,,\nD,4,,\n')
    assert table.columns == ("name", "headcount", "budget", "expires")
    assert [r.line for r in table.rows] == [2, 4, 5, 7]
    assert table.rows[0].values == {"name": "A", "headcount": 1000, "budget": 1_500_000.5,
                                    "expires": date(2027, 1, 31)}
    assert table.rows[1].values["headcount"] is None
    assert table.rows[2].values["name"] == "C\nsecond line"


def test_every_bad_cell_is_reported_with_line_column_and_reason():
    text = ("name,headcount,budget,expires,email,website,size\n"
            "A,-3,12,2027-02-30,not-an-email,ftp://x,medium\n"
            ",5,€100,31/12/2027,,,\n"
            "A name that is far too long,1,1,,,,\n")
    with pytest.raises(CsvRowsError) as info:
        read(text)
    found = {(e.line, e.column) for e in info.value.errors}
    assert found == {(2, "headcount"), (2, "expires"), (2, "email"), (2, "website"),
                     (2, "size"), (3, "name"), (3, "budget"), (3, "expires"), (4, "name")}
    messages = {(e.line, e.column): e.message for e in info.value.errors}
    assert "not a whole number" in messages[(2, "headcount")]
    assert "YYYY-MM-DD" in messages[(3, "expires")]
    assert "is required" in messages[(3, "name")]
    assert "limit is 20" in messages[(4, "name")]
    assert "not one of: small, large" in messages[(2, "size")]
    assert str(info.value.errors[0]).startswith("line 2, column ")


def test_header_problems_are_named():
    with pytest.raises(CsvFileError, match=r"unknown column 'nmae' \(did you mean 'name'\?\)"):
        read("nmae,headcount\nA,1\n")
    with pytest.raises(CsvFileError, match="missing required column"):
        read("headcount\n1\n")
    with pytest.raises(CsvFileError, match="appears twice"):
        read("name,Name\nA,B\n")


def test_header_is_matched_ignoring_case_and_spaces_and_semicolons_are_detected():
    table = read("Name;Headcount\nAcme;12\n")
    assert table.rows[0].values == {"name": "Acme", "headcount": 12}


def test_too_many_cells_is_a_row_error():
    with pytest.raises(CsvRowsError) as info:
        read("name,headcount\nA,1,surprise\n")
    assert info.value.errors[0].line == 2
    assert "header has 2 columns" in info.value.errors[0].message


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"name\n", "no data rows"),
    (b"PK\x03\x04rest-of-zip", "Excel workbook"),
    ("name\nA\n".encode("utf-16"), "UTF-16"),
    ("name\nCaf\u00e9\n".encode("cp1252"), r"Line 2: byte 0xE9 is not valid UTF-8"),
    (b'name\n"unterminated\n', "cannot be read as CSV"),
])
def test_file_level_problems_have_clear_messages(data, message):
    with pytest.raises(CsvFileError, match=message):
        csv_io.read_table(data, COLUMNS)


def test_windows_1252_is_read_when_chosen_and_bom_is_ignored():
    table = csv_io.read_table("name\nCaf\u00e9\n".encode("cp1252"), COLUMNS, "cp1252")
    assert table.rows[0].values["name"] == "Caf\u00e9"
    table = csv_io.read_table("\ufeffname\nCaf\u00e9\n".encode(), COLUMNS)
    assert table.columns == ("name",)


@pytest.mark.parametrize("value", ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx",
                                   "'=already", "''+twice"])
def test_neutralise_prefixes_an_apostrophe_to_formula_triggers(value):
    out = csv_io.neutralise(value)
    assert out.startswith("'")
    assert csv_io.unneutralise(out) == value


def test_plain_values_are_not_neutralised():
    for value in ["Acme", "12", "it's fine", "'quoted", ""]:
        assert csv_io.neutralise(value) == value


@given(st.text())
def test_neutralise_round_trips_and_never_starts_with_a_trigger(value):
    out = csv_io.neutralise(value)
    assert not out.startswith(csv_io.FORMULA_TRIGGERS)
    assert csv_io.unneutralise(out) == value


field_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=15).map(
    str.strip).filter(bool)


@given(st.lists(st.lists(field_text, min_size=1, max_size=4), max_size=5))
def test_list_cells_round_trip_any_text(entries):
    assert csv_io.decode_list(csv_io.encode_list(entries)) == [
        [f.strip() for f in e] for e in entries
    ]


def test_write_table_neutralises_every_cell_and_is_valid_csv():
    text = csv_io.write_table(["a", "b"], [["=HYPERLINK(\"x\")", 1500000.0], ["-5", None]])
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows == [["a", "b"], ["'=HYPERLINK(\"x\")", "1500000"], ["'-5", ""]]
