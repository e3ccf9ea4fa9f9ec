"""Object literals used as records: `C={p:-1,t:0}` held by one global, read and written as
`C.p` (and looked up by a one-character string key, `va[ch]`).

Such an object never escapes: the global is only ever assigned object literals and only ever
used through a property, so each property can live in a global of its own, named `C.p` ('.'
is in no JS name). Assigning a literal to `C` creates a new object: it sets the literal's
properties in order and removes the others; `C.x` reads undefined for a property the object
lacks. Reading a property while `C` was never assigned throws (ReferenceError), as JavaScript
does. Names that every object inherits from Object.prototype (`toString`, `constructor`...) are
refused, since reading them would give a function. A property may hold a function when the
record has one literal (so one function per property) and the function reads neither `this`
nor anything of the scope it was made in: `o.f(x)` then calls it like a global's function.
"""
from __future__ import annotations

from engine.compiled import parser as P

OBJECT_PROTOTYPE = frozenset((
    "constructor __defineGetter__ __defineSetter__ hasOwnProperty __lookupGetter__ __lookupSetter__ "
    "isPrototypeOf propertyIsEnumerable toString valueOf __proto__ toLocaleString").split())


def field_name(holder: str, prop: str) -> str:
    """The global that holds property `prop` of the record held by `holder`."""
    return f"{holder}.{prop}"


def property_key(key) -> str | None:
    """The property name an object literal's key gives: a name or string as written, an
    integer-valued number as JavaScript prints it; None for computed keys and spreads."""
    if isinstance(key, str):
        return None if key == "..." else key
    if isinstance(key, float) and key == int(key) and abs(key) < 2 ** 53:
        return str(int(key))
    return None


def literal_problem(obj: P.ObjectLit, method_ok):
    """(node, what) for the first part of an object literal a record cannot hold, else None."""
    for key, value in obj.props:
        if key == "...":
            return value, "a spread"
        if property_key(key) is None:
            return (key if isinstance(key, P.Node) else value), "a computed key"
        if property_key(key) == "__proto__":
            return value, "a __proto__ key (it sets the prototype)"
        if isinstance(value, P.Func) and not method_ok(value):
            return value, "a function reading this or its scope"
    return None


def uses_this(func: P.Func) -> bool:
    """Does a method read `this` (the object, which a record does not exist as)?"""
    return any(isinstance(n, P.This) for n in P.walk(func))


def find_records(nodes, plain: dict, global_member) -> dict:
    """{holder: the props its literals and writes name} for globals that are only ever assigned
    object literals (`plain`: names assigned by plain `=` only -> the values) and whose every
    other use is `holder.prop` or `holder[key]` (`global_member` names the global of `this.x`)."""
    candidates = {name for name, values in plain.items()
                  if values and all(isinstance(v, P.ObjectLit) for v in values)}
    if not candidates:
        return {}
    allowed = set()
    props: dict = {name: [] for name in candidates}
    for n in nodes:
        if isinstance(n, P.Assign) and n.op == "=" and isinstance(n.target, P.Ident) and n.target.name in candidates:
            allowed.add(id(n.target))
            props[n.target.name].extend(property_key(k) for k, _ in n.value.props)
        elif isinstance(n, (P.Member, P.Index)) and isinstance(n.obj, P.Ident) and n.obj.name in candidates \
                and not n.optional:
            allowed.add(id(n.obj))
            if isinstance(n, P.Member):
                props[n.obj.name].append(n.prop)
        elif isinstance(n, P.Member) and global_member(n) in candidates:
            candidates.discard(global_member(n))          # `this.C`: the object as a value
    for n in nodes:
        if isinstance(n, P.Ident) and n.name in candidates and id(n) not in allowed:
            candidates.discard(n.name)
    # in the order the globals were first assigned, not the set's (which changes with the
    # process's string hashing: the holders' state slots, so the IR and its cache key, did too)
    return {name: tuple(dict.fromkeys(p for p in props[name] if p is not None)) for name in plain if name in candidates}


def definition_names(nodes, records: dict) -> dict:
    """{id(assignment): holder} for the `holder = {...}` assignments of the records."""
    return {id(n): n.target.name for n in nodes
            if isinstance(n, P.Assign) and n.op == "=" and isinstance(n.target, P.Ident) and n.target.name in records}


def lookup_keys(props: tuple, key_base: str) -> dict:
    """{prop: the key value that selects it} for `holder[key]` with a key of kind `key_base`:
    a one-character string (its code unit) selects a one-character property, an integer
    number an integer property ("0", "12"; -0 prints as "0"), undefined the property
    "undefined". None for other keys (a longer string, a fraction, NaN would need ToString)."""
    if key_base == "str":
        return {p: float(ord(p)) for p in props if len(p) == 1 and ord(p) < 0xD800}
    if key_base == "num":
        ints = {p: float(p) for p in props if p == str(_canonical_int(p)) and abs(float(p)) < 1e21}
        if any(p not in ints and _number_like(p) for p in props):
            return None       # "0.5", "1e+21", "NaN": keys a number prints as, not compared here
        return ints
    if key_base == "undef":
        return {p: 0.0 for p in props if p == "undefined"}
    return None


def _canonical_int(p: str):
    try:
        return int(p)
    except ValueError:
        return None


def _number_like(p: str) -> bool:
    try:
        float(p)
        return True
    except ValueError:
        return False
