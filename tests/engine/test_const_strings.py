"""Strings built from constants (engine.compiled.conststrings): concatenation, `.repeat(n)`,
template literals, globals set to one string, `?:` between strings; folded to literals with
every evaluation kept. Compared sample by sample with the reference player (skipped without Node)."""
import pytest


def packed(code: str) -> str:
    """The packer's text for `code` (even length): two code units of ASCII per character."""
    return "".join(chr(ord(a) << 8 | ord(b)) for a, b in zip(code[::2], code[1::2]))


from engine import BytebeatRequest, render_samples
from engine.compiled import check_song, parser
from engine.compiled.conststrings import fold
from engine.errors import NotCompiledError
from tests.engine.reference import assert_same_samples, reference_samples

SONGS = [
    ("a='4679BB',t*2**(parseInt((a+'4676'+a+'679B')[63&t>>9],36)/12)", "uint8"),
    ("t*('12'.repeat(3)+'45')[t>>10&7]", "uint8"),
    ("m=\"ACDF\"+(t>>12&1?\"CCDD\":\"CACD\"),t*m.charCodeAt(t>>9&7)/64", "uint8"),
    ("s=`@GL@GL`.repeat(2)+`CJO`,t*2**(s.charCodeAt(t>>10&15)/12-5)", "uint8"),
    ("q=(t>>11&1?'ab':'cd')+'ef'+(t>>12&1?'g':'h'),q.length*t+q.charCodeAt(t>>8&3)", "uint8"),
    ("w=`0x${'A'}${'7'}`,t*w/99&255", "int8"),
    ("(t?0:c=0,a=(c++,'xyz')+'w',sin(t/9)+a.charCodeAt(t%4)/c)", "float"),
    ("t<99?b+'q':(b='yy',t>>5&b.length)", "uint8"),      # reads b before it is set: ReferenceError
    ("t?a[t>>9&7]*t:(a='40000531')", "uint8"),     # indexed before the (test call's) assignment
    # eval of a constant string: the expression it holds, run in the caller's scope
    ("q=\"t&4096?(t*(t^t%255)|t>>4)>>1:t>>3\",h=t=>(eval(q)%256),(h(t)+h(t-900)/2)/2", "uint8"),
    ("q=`\nu=10^t>>15&7,u+=3,y=(t>>11&7)/u,2*y*t`,h=t=>eval(q)&255,h(t)/256-1+u/99", "float"),
    ("eval('k=t>>8,'+'k*t'.repeat(1))&k", "uint8"),
    ("e='eval(d)',d='t*3',eval(e)", "uint8"),
    # escape, unescape and the packer's replace, as a part of a larger song
    ("2*eval(unescape(escape`" + packed("t*(t>>5|t>>10)") + "`.replace(/u(..)/g,'$1%')))", "uint8"),
    ("unescape(`%83%9D6%u0041z%`).charCodeAt(t>>9&7)*t/99", "uint8"),
    ("escape('a b\u00e9\u4e00').charCodeAt(t>>9&15)^t", "uint8"),
]


@pytest.mark.parametrize("code,mode", SONGS)
def test_const_strings_match_reference(code, mode):
    check_song(code, mode)
    req = BytebeatRequest(code, mode, 8000, 0.25)
    ours = render_samples(req, tier="compiled")
    ref = reference_samples(code, mode, 8000, req.sample_count)
    assert_same_samples(ours, ref)


def folded(code: str):
    tree, _ = parser.parse_song(code)
    return fold(tree)[0]


def test_reads_of_a_constant_global_stay_in_front_of_the_literal():
    tree = folded("a='x',a+'y'+a")
    last = tree.exprs[-1]
    assert isinstance(last, parser.Sequence)
    assert [type(e).__name__ for e in last.exprs] == ["Ident", "Ident", "Str"]
    assert last.exprs[-1].value == "xyx"


@pytest.mark.parametrize("code,construct", [
    ("a='x',a+=t,a+'y'", "string concatenation"),               # a is not one constant string
    ("a='x',t&&(a='z'),(a+'y').length", "string concatenation"),
    ("t+'ab'.repeat(-1).length", "call of value.repeat"),      # RangeError
    ("t+'ab'.repeat(t).length", "call of value.repeat"),
    ("t+`a${t}b`.length", "template literal"),
    ("eval('var x=t;x')", "call of eval"),                    # a script, not one expression
    ("eval('t*')", "call of eval"),                           # the player throws a SyntaxError
    ("h=eval=>eval('t'),h(1)", "call of eval"),               # not the built-in eval
    ("q='t'+t,eval(q)", "string concatenation"),
    ("t?a[t]:(a=5)", "indexing a"),                            # a number, once the pass settles
    ("q='a=t>>4',a='x',eval(q),(a+'yz').length*t", "string concatenation"),   # eval'd code sets a
    ("a='x',f=function a(){return (a+'y').length},f()", "string concatenation"),   # a: the function
])
def test_strings_not_built_from_constants_are_refused(code, construct):
    with pytest.raises(NotCompiledError) as e:
        check_song(code, "uint8")
    assert construct in e.value.construct
    assert e.value.position is not None
