"""Limits that keep one client's operation from starving the others, error masking, and the
scope check mutations make.

Every operation is measured before it runs. One over a limit is refused with a GraphQL error
naming the limit and the measured value (``extensions.code`` ``QUERY_TOO_COMPLEX``, with
``measure``, ``value`` and ``limit``) and no resolver, so no SQL, runs. The measuring is linear in
the size of the document: each fragment is measured once, however often it is spread.

Setting (default)                What it bounds
-------------------------------  ---------------------------------------------------------------
graphql_max_tokens (2000)        Lexical tokens in the document, comments included. The parser
                                 stops at the limit ("Document contains more than 2000 tokens"),
                                 so a huge document costs no more than a small one.
graphql_max_depth (10)           Nesting of fields: ``{ leaders { nodes { name } } }`` has depth
                                 3. Introspection fields (``__schema``, ``__type``) do not count,
                                 as GraphiQL's schema query is deep.
graphql_max_aliases (30)         Aliased fields, a fragment's counted at each spread.
graphql_max_root_fields (20)     Top-level fields of the operation, fragments expanded.
graphql_max_operations (10)      Operations in one document.
graphql_max_cost (50,000)        Estimated cost (below).
graphql_timeout_seconds (10)     Execution time: past it the operation is cancelled and answers
                                 ``data: null`` with an error of code ``TIMEOUT``.

All are ``CRISISGRAPH_*`` settings (``db.settings.Settings``), read per request from the
context's ``settings`` (the app's), so an app built with other settings enforces those.

Cost. Each list or connection field costs the product of the page sizes along its path, itself
included, and an operation costs the sum over those fields. A connection's page size is its
``first`` or ``last`` argument (the larger if both), else the argument's default, else 20; any
field with a ``first`` argument counts so (``search(first:)`` too). A plain list of records
(``participants``, ``positions``, ``members``, ``stances``, ``citations``, ``claims``, the
introspection lists...) counts ``LIST_FACTOR`` = 20. A connection's own ``edges`` and ``nodes``
are its page, already counted, and lists of scalars cost nothing. Variables are resolved from
the request, then from the operation's defaults. So::

    { engagements(first: 100) {          # 100
        nodes { participants {           # 100 * 20 = 2,000
                  actor { __typename } }
                citations { excerpt } }  # 100 * 20 = 2,000
    } }                                  # cost 4,100

while ``leaders(first: 100) { nodes { engagements(first: 100) { nodes { participants {...}
}}}}}`` costs 100 + 10,000 + 200,000 = 210,100 and is refused. GraphiQL's introspection query
costs about 10,500.

Why not strawberry's ``QueryDepthLimiter`` and ``MaxAliasesLimiter``: both walk a fragment
again at every spread, so a document of a few hundred tokens whose fragments each spread the
next one twice takes exponential time (20 levels: 2.7 s and 0.9 s; 40 levels: weeks), blocking
the event loop for every client; and ``QueryDepthLimiter`` crashes (KeyError) on a spread of an
unknown fragment instead of letting validation report it. The one rule here measures depth,
aliases, root fields and cost in one memoised walk. ``MaxTokensLimiter`` and ``MaskErrors`` are
strawberry's, configured per request.

Errors. A client gets an error's message when the error is a ``schema.errors.UserError`` (from a
resolver, or the time limit's TIMEOUT), a limit's refusal, or one the GraphQL machinery reports
about the request (syntax, validation, variable values). Anything else, a bug or a failure behind a resolver, reaches the client as
"Internal server error" with ``extensions.errorId``, a UUID the log line carrying the traceback
also holds (logger ``schema.security``).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSyntaxError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    TypeNameMetaFieldDef,
    ValidationRule,
    ValueNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_composite_type,
    is_list_type,
)
from strawberry.extensions import MaskErrors, MaxTokensLimiter, SchemaExtension
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from db.paging import DEFAULT_PAGE
from db.settings import Settings, get_settings
from schema.context import Info
from schema.errors import UserError

logger = logging.getLogger(__name__)

LIST_FACTOR = 20
"""What a plain list of records (not a paged connection) counts for in the cost."""
LIMIT_CODE = "QUERY_TOO_COMPLEX"
TIMEOUT_CODE = "TIMEOUT"
INTERNAL_ERROR_MESSAGE = "Internal server error"
INTERNAL_ERROR_CODE = "INTERNAL_SERVER_ERROR"


@dataclass(frozen=True)
class Limits:
    max_depth: int = 10
    max_tokens: int = 2000
    max_aliases: int = 30
    max_root_fields: int = 20
    max_operations: int = 10
    max_cost: int = 50_000
    timeout_seconds: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            max_depth=settings.graphql_max_depth,
            max_tokens=settings.graphql_max_tokens,
            max_aliases=settings.graphql_max_aliases,
            max_root_fields=settings.graphql_max_root_fields,
            max_operations=settings.graphql_max_operations,
            max_cost=settings.graphql_max_cost,
            timeout_seconds=settings.graphql_timeout_seconds,
        )


def limits_of(execution_context: ExecutionContext) -> Limits:
    """The limits for this request: from the context's settings, else the process's."""
    settings = getattr(execution_context.context, "settings", None)
    if not isinstance(settings, Settings):
        settings = get_settings()
    return Limits.from_settings(settings)


# --------------------------------------------------------------------------------------------
# Measuring an operation


@dataclass(frozen=True)
class Measure:
    """What a selection set adds up to. ``cost`` is per unit of the page-size product above it
    (cost scales linearly with it, which is what lets a fragment be measured once)."""

    cost: int = 0
    depth: int = 0
    aliases: int = 0
    fields: int = 0  # fields selected at this level, fragments expanded

    def __add__(self, other: Measure) -> Measure:
        return Measure(
            cost=self.cost + other.cost,
            depth=max(self.depth, other.depth),
            aliases=self.aliases + other.aliases,
            fields=self.fields + other.fields,
        )


NOTHING = Measure()


class _Walker:
    """Measures the selection sets of one operation, each fragment once."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        defaults: Mapping[str, ValueNode],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.defaults = defaults
        self.measured: dict[str, Measure] = {}
        self.measuring: set[str] = set()

    def selection_set(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType | None
    ) -> Measure:
        total = NOTHING
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection_set(selection.selection_set, inner)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value)
        return total

    def fragment(self, name: str) -> Measure:
        known = self.measured.get(name)
        if known is not None:
            return known
        definition = self.fragments.get(name)
        if definition is None or name in self.measuring:  # unknown or cyclic: validation says so
            return NOTHING
        self.measuring.add(name)
        try:
            measure = self.selection_set(
                definition.selection_set, self.schema.get_type(definition.type_condition.name.value)
            )
        finally:
            self.measuring.discard(name)
        self.measured[name] = measure
        return measure

    def field(self, node: FieldNode, parent: GraphQLNamedType | None) -> Measure:
        name = node.name.value
        definition = _field_definition(parent, name)
        factor, counted = self.factor(node, definition, parent)
        child = NOTHING
        if node.selection_set is not None:
            child_type = get_named_type(definition.type) if definition is not None else None
            child = self.selection_set(node.selection_set, child_type)
        return Measure(
            cost=(factor if counted else 0) + factor * child.cost,
            depth=0 if name in ("__schema", "__type") else 1 + child.depth,
            aliases=(1 if node.alias is not None else 0) + child.aliases,
            fields=1,
        )

    def factor(
        self, node: FieldNode, definition: GraphQLField | None, parent: GraphQLNamedType | None
    ) -> tuple[int, bool]:
        """The field's page size and whether it is a list or connection (counted in the cost)."""
        if definition is None:
            return 1, False
        if "first" in definition.args or "last" in definition.args:
            return self.page_size(node, definition), True
        returned = get_nullable_type(definition.type)
        if is_list_type(returned) and is_composite_type(get_named_type(returned)):
            if (
                parent is not None
                and parent.name.endswith("Connection")
                and node.name.value in ("edges", "nodes")
            ):
                return 1, False  # the connection's page, counted on the connection field
            return LIST_FACTOR, True
        return 1, False

    def page_size(self, node: FieldNode, definition: GraphQLField) -> int:
        given = [
            size
            for argument in node.arguments or ()
            if argument.name.value in ("first", "last")
            and (size := self.int_value(argument.value)) is not None
        ]
        if given:
            return max(0, *given)
        for name in ("first", "last"):
            argument = definition.args.get(name)
            default = argument.default_value if argument is not None else None
            if isinstance(default, int) and not isinstance(default, bool):
                return max(0, default)
        return DEFAULT_PAGE

    def int_value(self, value: ValueNode) -> int | None:
        if isinstance(value, IntValueNode):
            return int(value.value)
        if isinstance(value, VariableNode):
            name = value.name.value
            if name in self.variables:
                given = self.variables[name]
                return given if isinstance(given, int) and not isinstance(given, bool) else None
            default = self.defaults.get(name)
            return self.int_value(default) if isinstance(default, IntValueNode) else None
        return None


def _field_definition(parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
    if name == "__typename":
        return TypeNameMetaFieldDef
    if name == "__schema":
        return SchemaMetaFieldDef
    if name == "__type":
        return TypeMetaFieldDef
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        return parent.fields.get(name)
    return None


def limit_error(
    subject: str, measure: str, value: int, limit: int, nodes: Any = None
) -> GraphQLError:
    return GraphQLError(
        f"{subject} {value:,} exceeds the limit of {limit:,}",
        nodes,
        extensions={"code": LIMIT_CODE, "measure": measure, "value": value, "limit": limit},
    )


def check_document(
    schema: GraphQLSchema,
    document: DocumentNode,
    limits: Limits,
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
) -> list[GraphQLError]:
    """The limits the document breaks, one error per limit: the operation count for the whole
    document, the rest for the operation to run (``operation_name``, or every operation)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    errors: list[GraphQLError] = []
    if len(operations) > limits.max_operations:
        errors.append(
            limit_error("Operation count", "operations", len(operations), limits.max_operations)
        )
    for operation in operations:
        if operation_name is not None and (
            operation.name is None or operation.name.value != operation_name
        ):
            continue
        defaults = {
            d.variable.name.value: d.default_value
            for d in operation.variable_definitions or ()
            if d.default_value is not None
        }
        walker = _Walker(schema, fragments, variables or {}, defaults)
        root = schema.get_root_type(operation.operation)
        measure = walker.selection_set(operation.selection_set, root)
        checks = (
            ("Query depth", "depth", measure.depth, limits.max_depth),
            ("Alias count", "aliases", measure.aliases, limits.max_aliases),
            ("Root field count", "rootFields", measure.fields, limits.max_root_fields),
            ("Query cost", "cost", measure.cost, limits.max_cost),
        )
        errors.extend(
            limit_error(subject, name, value, limit, [operation])
            for subject, name, value, limit in checks
            if value > limit
        )
    return errors


def limits_rule(
    limits: Limits, variables: Mapping[str, Any] | None, operation_name: str | None
) -> type[ValidationRule]:
    """A validation rule enforcing ``limits`` for one request.

    It measures when leaving the document, after graphql-core's own check that fragments do not
    nest too deeply to walk, and inside its handling of a stack overflow."""

    class QueryLimitsRule(ValidationRule):
        def leave_document(self, node: DocumentNode, *_args: Any) -> None:
            for error in check_document(
                self.context.schema, node, limits, variables, operation_name
            ):
                self.report_error(error)

    return QueryLimitsRule


# --------------------------------------------------------------------------------------------
# Extensions


class TokenLimit(MaxTokensLimiter):
    """Strawberry's token limit, read per request; its refusal gets the limits' error code."""

    def __init__(self, *, execution_context: ExecutionContext | None = None) -> None:
        super().__init__(max_token_count=Limits.max_tokens)

    def on_operation(self) -> Iterator[None]:
        self.max_token_count = limits_of(self.execution_context).max_tokens
        yield from super().on_operation()

    def on_parse(self) -> Iterator[None]:
        yield
        for error in self.execution_context.pre_execution_errors or ():
            if isinstance(error, GraphQLSyntaxError) and "tokens. Parsing aborted" in error.message:
                error.extensions = {
                    "code": LIMIT_CODE,
                    "measure": "tokens",
                    "limit": self.max_token_count,
                }


class QueryLimits(SchemaExtension):
    """Depth, aliases, root fields, operations and cost, checked during validation."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        rule = limits_rule(limits_of(context), context.variables, context.operation_name)
        context.validation_rules = (*context.validation_rules, rule)
        yield


class OperationTimeout(UserError):
    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"Operation cancelled: it ran longer than the time limit of {seconds:g} s",
            code=TIMEOUT_CODE,
            timeoutSeconds=seconds,
        )


class TimeLimit(SchemaExtension):
    """Cancels an operation's execution after ``graphql_timeout_seconds``: its pending resolvers
    and DataLoader batches are cancelled, and the result is ``data: null`` with a TIMEOUT error.
    A subscription is not limited (only setting it up runs here)."""

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        if context.operation_type is OperationType.SUBSCRIPTION:
            yield
            return
        seconds = limits_of(context).timeout_seconds
        timer = asyncio.timeout(seconds)
        try:
            async with timer:
                yield
        except TimeoutError:
            if not timer.expired():
                raise
            logger.warning(
                "GraphQL operation %s cancelled after %g s",
                context.operation_name or "(anonymous)",
                seconds,
            )
            raise OperationTimeout(seconds) from None


def is_internal_error(error: GraphQLError) -> bool:
    """Whether the client must not see this error's message: not a UserError, not about the
    request (syntax, validation, variable values), and not already masked."""
    if "errorId" in (error.extensions or {}):
        return False
    original = error.original_error
    if isinstance(error, UserError) or isinstance(original, UserError):
        return False
    if error.path is not None:  # raised while resolving a field
        return True
    if original is None or isinstance(original, GraphQLError):
        return False
    # A request error wraps the exception a scalar raised and points into the document; an
    # exception escaping the pipeline does neither.
    return not error.nodes


def mask_error(error: GraphQLError) -> GraphQLError:
    """The client's view of an internal error; the log gets the traceback under the same id."""
    error_id = str(uuid.uuid4())
    cause: BaseException = error.original_error or error
    logger.error(
        "Internal server error %s at %s: %s",
        error_id,
        ".".join(str(p) for p in error.path) if error.path else "(no field)",
        error.message,
        exc_info=(type(cause), cause, cause.__traceback__),
    )
    return GraphQLError(
        INTERNAL_ERROR_MESSAGE,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": INTERNAL_ERROR_CODE, "errorId": error_id},
    )


def mask_internal_errors(errors: list[GraphQLError]) -> list[GraphQLError]:
    return [mask_error(e) if is_internal_error(e) else e for e in errors]


class MaskInternalErrors(MaskErrors):
    """Strawberry's MaskErrors, masking only internal errors, each with an id the log shares."""

    def __init__(self, *, execution_context: ExecutionContext | None = None) -> None:
        super().__init__(should_mask_error=is_internal_error, error_message=INTERNAL_ERROR_MESSAGE)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        return mask_error(error)


def security_extensions() -> list[type[SchemaExtension]]:
    return [MaskInternalErrors, TokenLimit, QueryLimits, TimeLimit]


# --------------------------------------------------------------------------------------------
# Scopes


def require_scope(info: Info, scope: str) -> None:
    """Refuse the field unless the caller's API key grants ``scope``: without a key the error's
    code is UNAUTHENTICATED, with a key lacking the scope FORBIDDEN."""
    context = info.context
    if scope in context.key_scopes:
        return
    if context.key_name is None:
        raise UserError(
            f"This needs an API key with the '{scope}' scope: "
            "send it as 'Authorization: Bearer <key>'",
            code="UNAUTHENTICATED",
        )
    raise UserError(
        f"The API key '{context.key_name}' does not grant the '{scope}' scope this needs",
        code="FORBIDDEN",
    )
