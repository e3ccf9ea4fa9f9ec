"""Differential fuzzing against the reference renderer (small: a few dozen expressions)."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine
from engine import BytebeatRequest, render_samples
from tests.engine.reference import reference_samples, require_reference

pytestmark = pytest.mark.reference

BINARY = ["+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>", ">>>", "<", ">", "<=", ">=", "==", "!=",
          "===", "&&", "||", "**"]
CONSTS = ["0", "1", "2", "3", "7", "12", "255", "256", "0.5", "1.5", "-1", "1e3", "65536", "2147483648",
          "4294967296", "1e20", "NaN", "Infinity", "-0", "0x7f"]
FUNCS = ["floor", "ceil", "round", "abs", "sign", "trunc", "sqrt", "sin", "cos", "fround"]


def expr_strategy():
    leaf = st.one_of(st.just("t"), st.sampled_from(CONSTS), st.sampled_from(["(t>>8)", "(t&255)", "t/7"]))

    def extend(inner):
        return st.one_of(
            st.tuples(inner, st.sampled_from(BINARY), inner).map(lambda x: f"({x[0]}{x[1]}{x[2]})"),
            st.tuples(st.sampled_from(["-", "~", "!", "+"]), inner).map(lambda x: f"{x[0]}({x[1]})"),
            st.tuples(inner, inner, inner).map(lambda x: f"({x[0]}?{x[1]}:{x[2]})"),
            st.tuples(st.sampled_from(FUNCS), inner).map(lambda x: f"{x[0]}({x[1]})"),
            st.tuples(inner, inner).map(lambda x: f"[{x[0]},{x[1]},5][{x[0]}&3]"),
            st.tuples(inner).map(lambda x: f"'0123 a9'[({x[0]})&7]*1"),
            st.tuples(inner, inner).map(lambda x: f"min({x[0]},{x[1]})"),
        )
    return st.recursive(leaf, extend, max_leaves=8)


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(code=expr_strategy(), mode=st.sampled_from(["uint8", "int8", "float"]))
def test_random_expressions_match_reference(code, mode):
    require_reference()
    req = BytebeatRequest(code, mode, 8000, 0.25)
    try:
        ours = render_samples(req, tier="compiled")
    except engine.NotCompiledError:
        return
    ref = reference_samples(code, mode, 8000, req.sample_count)
    assert ours.shape == ref.shape and ours.tobytes() == ref.tobytes(), code
