import pytest

from engine.compiled.parser import MAX_CODE_LENGTH, dump, parse_expression_code, parse_song
from engine.errors import SongLimitError, SongSyntaxError


def d(src):
    return dump(parse_expression_code(src))


@pytest.mark.parametrize("src,tree", [
    ("t*(t>>5|t>>8)", "(* t (| (>> t 5) (>> t 8)))"),
    ("a+b*c-d", "(- (+ a (* b c)) d)"),
    ("a-b-c", "(- (- a b) c)"),
    ("2**3**2", "(** 2 (** 3 2))"),
    ("(-2)**2", "(** (- 2) 2)"),
    ("2**-1", "(** 2 (- 1))"),
    ("a=b=c", "(= a (= b c))"),
    ("a?b:c?d:e", "(? a b (? c d e))"),
    ("a||b&&c", "(|| a (&& b c))"),
    ("a|b^c&d", "(| a (^ b (& c d)))"),
    ("a==b<c", "(== a (< b c))"),
    ("a<<b+c", "(<< a (+ b c))"),
    ("t>>>3&7", "(& (>>> t 3) 7)"),
    ("a??b", "(?? a b)"),
    ("(a||b)??c", "(?? (|| a b) c)"),
    ("-x++ + ++y", "(+ (- (++post x)) (++pre y))"),
    ("!~-+t", "(! (~ (- (+ t))))"),
    ("x+=y>>>=z", "(+= x (>>>= y z))"),
    ("a,b,c", "(, a b c)"),
    ("[1,,2][t&3]", "([] [1 _ 2] (& t 3))"),
    ("'abc'.charCodeAt(t%3)", "(call (. 'abc' charCodeAt) (% t 3))"),
    ("x=>y=>x+y", "(=> (x) (=> (y) (+ x y)))"),
    ("(a,b=2)=>{return a}", "(=> (a b=2) {(return a)})"),
    ("f(a)(b)[c].d", "(. ([] (call (call f a) b) c) d)"),
    ("a?.5:1", "(? a 0.5 1)"),
    ("this.x??=1", "(??= (. this x) 1)"),
])
def test_precedence_and_shape(src, tree):
    assert d(src) == tree


@pytest.mark.parametrize("src,message", [
    ("t*(t>>5|t>>8", "syntax error at 1:13: unexpected end of input"),
    ("t*(t>>5|t>>8))", "syntax error at 1:14: unexpected ')'"),
    ("-2**2", "syntax error at 1:3: unary operator before '**' needs parentheses"),
    ("a??b||c", "syntax error at 1:2: cannot mix '??' with '||' without parentheses"),
    ("1=2", "syntax error at 1:1: invalid assignment target"),
    ("a b", "syntax error at 1:3: unexpected 'b'"),
    ("t+\n+*3", "syntax error at 2:2: unexpected '*'"),
])
def test_syntax_errors(src, message):
    with pytest.raises(SongSyntaxError) as e:
        parse_expression_code(src)
    assert e.value.message == message


def test_statements_after_the_expression_are_allowed():
    expr, rest = parse_song("t\n;SINE\n;C5;1.22")
    assert dump(expr) == "t" and len(rest) == 3
    expr, rest = parse_song("t*2; function f(x){ return x }")
    assert dump(expr) == "(* t 2)"


def test_nesting_limit():
    with pytest.raises(SongLimitError) as e:
        parse_expression_code("(" * 5000 + "t" + ")" * 5000)
    assert "nested too deeply" in e.value.message
    with pytest.raises(SongLimitError):
        parse_expression_code("-" * 5000 + "t")
    with pytest.raises(SongLimitError):
        parse_expression_code("t" + "+t" * 5000)


def test_nesting_below_the_limit_parses():
    assert d("(" * 150 + "t" + ")" * 150) == "t"


def test_length_limit():
    with pytest.raises(SongLimitError) as e:
        parse_expression_code("t+" * MAX_CODE_LENGTH + "t")
    assert "code too long" in e.value.message


def test_nodes_carry_offsets():
    tree = parse_expression_code("a +\n  b*c")
    assert tree.pos == 0 and tree.op_pos == 2
    assert tree.right.pos == 6 and tree.right.op_pos == 7
