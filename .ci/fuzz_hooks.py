"""Schemathesis hooks for Tongban: strategies for the schema's own scalars, and the one check that
matters here: no 5xx answer and no GraphQL error without a contract code or with INTERNAL.

NOT_FOUND, FORBIDDEN, INVALID_INPUT and the like are correct answers to random input, so the
built-in GraphQL check (any error fails) is not used."""
import graphql
import schemathesis
from hypothesis import strategies as st
from schemathesis.graphql import nodes

# Real codes of the demo tree (so that some requests reach the data), and anything at all.
CODES = ["610400000000", "610426000000", "610426001000", "610402000000", "610426101000"]
schemathesis.graphql.scalar(
    "RegionCode",
    st.one_of(st.sampled_from(CODES), st.from_regex(r"\A[0-9]{12}\Z"), st.text(max_size=20)).map(nodes.String),
)
schemathesis.graphql.scalar(
    "Date",
    st.one_of(st.dates().map(lambda d: d.isoformat()), st.text(max_size=12)).map(nodes.String),
)
schemathesis.graphql.scalar(
    "DateTime",
    st.one_of(
        st.datetimes().map(lambda d: d.isoformat() + "+08:00"), st.datetimes().map(lambda d: d.isoformat()), st.text(max_size=30)
    ).map(nodes.String),
)
scalar_json = st.one_of(
    st.text(max_size=50).map(nodes.String), st.integers().map(nodes.Int), st.booleans().map(nodes.Boolean), st.just(nodes.Null)
)
schemathesis.graphql.scalar(
    "JSON",
    st.recursive(
        scalar_json,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4).map(nodes.List),
            st.dictionaries(st.from_regex(r"\A[a-z]{1,8}\Z"), inner, max_size=4).map(
                lambda d: nodes.Object(
                    [graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=v) for k, v in d.items()]
                )
            ),
        ),
        max_leaves=20,
    ),
)


@schemathesis.check
def no_internal_error(ctx, response, case):
    if response.status_code >= 500:
        raise AssertionError(f"HTTP {response.status_code}")
    try:
        body = response.json()
    except Exception:
        raise AssertionError(f"not JSON: HTTP {response.status_code}")
    errors = body.get("errors") if isinstance(body, dict) else None
    for err in errors or []:
        code = ((err or {}).get("extensions") or {}).get("code")
        if code == "INTERNAL" or code is None:
            raise AssertionError(f"GraphQL error with code {code!r}: {err.get('message')!r}")
    return None
