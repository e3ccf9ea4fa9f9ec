"""The tree rewrites that run before analysis.

Each turns one construct into constructs the subset already takes, keeping every evaluation
the original runs, in the same order (see each module). The order between them matters:
switches are lowered first (their clauses may hold anything else), then discarded array
literals become their elements' evaluations; an eval of one character of a constant string
runs before the parameter versions (the names it reads are then ordinary reads); null
checks before the string folding (a folded string may be compared); strings before aliases,
includes and digit reads (an eval'd string may use them); thrown text last, once everything
it is built from is final.
"""
from __future__ import annotations

import re

from engine.compiled import aliases, assigned_calls, conststrings, membership, messages, nullchecks, paramversions
from engine.compiled import discarded_arrays, evalchars, radixdigits, switches
from engine.compiled import parser as P


def prepare(source: str, tree, rest: tuple, params: frozenset, builtins: frozenset) -> tuple:
    """(tree, rest) rewritten; `params`: the names the song function receives; `builtins`:
    the globals the player keeps (frozen)."""
    binds_undefined = any(conststrings.binds(n, "undefined") for root in (tree,) + tuple(rest)
                          for n in P.walk(root))
    tree, rest = _each(lambda n: switches.lower(n, source), tree, rest)
    tree, rest = _each(discarded_arrays.rewrite, tree, rest)
    tree, rest = _each(lambda n: nullchecks.rewrite(n, binds_undefined), tree, rest)
    tree = evalchars.rewrite(tree, rest)
    tree = paramversions.rewrite_song(tree, rest, params, builtins)
    tree, rest = conststrings.fold(tree, rest)
    tree, rest = aliases.rewrite(tree, rest, params)
    tree, rest = _each(membership.rewrite, tree, rest)
    tree, rest = radixdigits.rewrite(tree, rest, params)
    tree, rest = _each(assigned_calls.rewrite, tree, rest)
    tree, rest = _each(paramversions.rewrite, tree, rest)
    return _each(messages.rewrite, tree, rest)


# Suffixes the rewrites give names (no JS identifier has a space), dropped from refusals.
RENAMED = re.compile(r"(\S+) (?:\(version at \d+\)|of the Funcbeat body|of a digit read)")


def as_written(text: str) -> str:
    """A refusal's construct with rewritten names spelled as the song spells them."""
    return RENAMED.sub(r"\1", text)


def _each(rewrite, tree, rest: tuple) -> tuple:
    return rewrite(tree), tuple(rewrite(stmt) for stmt in rest)
