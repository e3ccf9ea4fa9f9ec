import math

import pytest

from engine.compiled.tokenizer import js_trim, tokenize
from engine.errors import SongSyntaxError


def kinds_values(src):
    return [(t.kind, t.value) for t in tokenize(src)][:-1]


def test_numbers():
    toks = kinds_values("0x1F .5 5. 1e3 1E-3 017 019 0b101 0o17 1_000 2.5e+2")
    assert [v for _, v in toks] == [31.0, 0.5, 5.0, 1000.0, 0.001, 15.0, 19.0, 5.0, 15.0, 1000.0, 250.0]


def test_big_hex_rounds_like_js():
    (_, v), = kinds_values("0x20000000000001")
    assert v == float(2**53)


def test_strings_and_escapes():
    (_, v), = kinds_values(r"'a\x41\u0042\u{1F600}\n\0\101'")
    assert v == "aAB\U0001F600\n\x00A"


def test_punctuators_longest_match():
    toks = [v for _, v in kinds_values("a>>>=b>>>c**=d??=e?.f")]
    assert toks == ["a", ">>>=", "b", ">>>", "c", "**=", "d", "??=", "e", "?.", "f"]


def test_conditional_with_fraction_is_not_optional_chaining():
    assert [v for _, v in kinds_values("a?.5:1")] == ["a", "?", 0.5, ":", 1.0]


def test_regex_versus_division():
    toks = kinds_values("a/2/b")
    assert [k for k, _ in toks] == ["name", "punct", "num", "punct", "name"]
    toks = kinds_values("x=/ab+/g")
    assert toks[2] == ("regex", ("ab+", "g"))


def test_comments_and_newlines():
    toks = tokenize("a // c\n/* x\n */ b")
    assert [t.value for t in toks[:-1]] == ["a", "b"]
    assert toks[1].newline_before


def test_positions():
    toks = tokenize("  t *\n 3")
    assert [t.pos for t in toks] == [2, 4, 7, 8]


@pytest.mark.parametrize("src,where", [("'abc", "1:1"), ("a # b", "1:3"), ("/* x", "1:1"), ("3in", "1:2")])
def test_errors_have_positions(src, where):
    with pytest.raises(SongSyntaxError) as e:
        tokenize(src)
    assert str(e.value.position) == where
    assert e.value.message.startswith(f"syntax error at {where}: ")


def test_js_trim_uses_js_whitespace():
    assert js_trim("\ufeff\u00a0 t \n\u2028") == "t"
    assert js_trim("\x1ct") == "\x1ct"   # not JS whitespace (Python's strip would remove it)
