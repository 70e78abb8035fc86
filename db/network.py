"""Who met whom: the actors of the engagements an EngagementFilter matches as a network, for
network tools (GraphML for Gephi, yEd, networkx, igraph; a node-link JSON for scripts).

- A node is an actor (leader, country or group) that took part in at least one of the matching
  engagements: its public ID, type, name, country (ISO alpha-2: a leader's country, a country's
  own code, none for a group) and the number of those engagements it took part in.
- An edge joins two actors that took part in the same engagement; it is undirected and its
  weight is the number of engagements they share, with their kinds and the first and last of
  their start dates.
- Taking part means any role but SUBJECT: an actor an engagement is about was not met. Cancelled
  engagements are left out; scheduled ones count.

The aggregation runs in SQL (one statement for the nodes, one for the edges, one per actor type
for the names), so memory holds the network, never the engagements.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from db.engagements import EngagementFilter
from db.enums import EngagementStatus, ParticipantRole
from db.ids import id_type
from db.models import Country, Engagement, Group, Leader, Participant
from db.serialize import iso

NETWORK_FORMAT = "crisisgraph-network"
NETWORK_VERSION = 1
GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
GRAPHML_SCHEMA = "http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd"


@dataclass(frozen=True)
class Node:
    id: str
    type: str  # leader, country, group
    name: str
    country: str | None
    engagements: int


@dataclass
class Edge:
    source: str  # the smaller public ID of the two
    target: str
    weight: int = 0
    kinds: set[str] = field(default_factory=set)
    first_date: str = ""
    last_date: str = ""


@dataclass
class Network:
    nodes: list[Node]
    edges: list[Edge]
    filter: dict[str, Any] | None = None


def _collated(session: AsyncSession, column: Any) -> Any:
    """Compare public IDs byte for byte on both databases, as Python sorts them."""
    return column.collate("C") if session.get_bind().dialect.name == "postgresql" else column


async def build_network(session: AsyncSession, filters: EngagementFilter | None = None) -> Network:
    """The who-met-whom network of the engagements ``filters`` matches (all without one)."""
    clauses: list[ColumnElement[bool]] = [
        col(Engagement.status) != EngagementStatus.CANCELLED,
        *(filters.clauses() if filters is not None else []),
    ]
    matching = select(col(Engagement.id)).where(*clauses)
    actor = func.coalesce(col(Leader.public_id), col(Country.public_id), col(Group.public_id))
    took_part = (
        select(col(Participant.engagement_id).label("engagement"), actor.label("actor"))
        .outerjoin(Leader, col(Leader.id) == Participant.leader_id)
        .outerjoin(Country, col(Country.code) == Participant.country_code)
        .outerjoin(Group, col(Group.id) == Participant.group_id)
        .where(
            col(Participant.role) != ParticipantRole.SUBJECT,
            col(Participant.engagement_id).in_(matching),
        )
        .distinct()  # an actor in two roles in one engagement took part once
        .subquery()
    )
    counts: dict[str, int] = dict(
        (
            await session.execute(
                select(took_part.c.actor, func.count()).group_by(took_part.c.actor)
            )
        ).all()
    )
    a, b = aliased(took_part), aliased(took_part)
    pairs = await session.execute(
        select(
            a.c.actor,
            b.c.actor,
            col(Engagement.kind),
            func.count(),
            func.min(col(Engagement.start_date)),
            func.max(col(Engagement.start_date)),
        )
        .join(
            b,
            (b.c.engagement == a.c.engagement)
            & (_collated(session, a.c.actor) < _collated(session, b.c.actor)),
        )
        .join(Engagement, col(Engagement.id) == a.c.engagement)
        .group_by(a.c.actor, b.c.actor, col(Engagement.kind))
    )
    edges: dict[tuple[str, str], Edge] = {}
    for source, target, kind, number, first, last in pairs:
        edge = edges.setdefault((source, target), Edge(source, target))
        edge.weight += number
        edge.kinds.add(kind.value if hasattr(kind, "value") else str(kind))
        first_text, last_text = iso(first) or "", iso(last) or ""
        edge.first_date = min(edge.first_date or first_text, first_text)
        edge.last_date = max(edge.last_date, last_text)
    nodes = await _nodes(session, counts)
    return Network(
        nodes=sorted(nodes, key=lambda n: n.id),
        edges=[edges[key] for key in sorted(edges)],
    )


async def _nodes(session: AsyncSession, counts: dict[str, int]) -> list[Node]:
    by_type: dict[str, list[str]] = {}
    for public_id in counts:
        by_type.setdefault(id_type(public_id) or "", []).append(public_id)
    out: list[Node] = []
    for start in range(0, len(by_type.get("leader", [])), 5000):
        chunk = by_type["leader"][start : start + 5000]
        rows = await session.execute(
            select(col(Leader.public_id), col(Leader.name), col(Leader.country_code)).where(
                col(Leader.public_id).in_(chunk)
            )
        )
        out.extend(Node(p, "leader", name, code, counts[p]) for p, name, code in rows)
    for start in range(0, len(by_type.get("country", [])), 5000):
        chunk = by_type["country"][start : start + 5000]
        rows = await session.execute(
            select(col(Country.public_id), col(Country.name), col(Country.code)).where(
                col(Country.public_id).in_(chunk)
            )
        )
        out.extend(Node(p, "country", name, code, counts[p]) for p, name, code in rows)
    for start in range(0, len(by_type.get("group", [])), 5000):
        chunk = by_type["group"][start : start + 5000]
        named = await session.execute(
            select(col(Group.public_id), col(Group.name)).where(col(Group.public_id).in_(chunk))
        )
        out.extend(Node(p, "group", name, None, counts[p]) for p, name in named)
    return out


# --- node-link JSON ------------------------------------------------------------------------------


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def node_dict(node: Node) -> dict[str, Any]:
    return {
        "id": node.id,
        "type": node.type,
        "name": node.name,
        "country": node.country,
        "engagements": node.engagements,
    }


def edge_dict(edge: Edge) -> dict[str, Any]:
    return {
        "source": edge.source,
        "target": edge.target,
        "weight": edge.weight,
        "kinds": sorted(edge.kinds),
        "firstDate": edge.first_date,
        "lastDate": edge.last_date,
    }


def network_json_chunks(network: Network) -> Iterator[str]:
    """The network as node-link JSON (networkx: ``node_link_graph(data, edges="edges")``), one
    node or edge per line."""
    yield (
        "{\n"
        f'  "format": "{NETWORK_FORMAT}",\n'
        f'  "version": {NETWORK_VERSION},\n'
        '  "directed": false,\n'
        '  "multigraph": false,\n'
        f'  "graph": {_dumps({"filter": network.filter})},\n'
    )
    for name, items in (
        ("nodes", [node_dict(n) for n in network.nodes]),
        ("edges", [edge_dict(e) for e in network.edges]),
    ):
        if not items:
            yield f'  "{name}": []' + (",\n" if name == "nodes" else "\n")
            continue
        body = ",\n".join("    " + _dumps(item) for item in items)
        yield f'  "{name}": [\n{body}\n  ]' + (",\n" if name == "nodes" else "\n")
    yield "}\n"


# --- GraphML -------------------------------------------------------------------------------------

# (key id = attribute name, for, type): declared before the graph, as the GraphML schema wants.
GRAPHML_KEYS: tuple[tuple[str, str, str], ...] = (
    ("type", "node", "string"),
    ("name", "node", "string"),
    ("country", "node", "string"),
    ("engagements", "node", "int"),
    ("weight", "edge", "int"),
    ("kinds", "edge", "string"),
    ("firstDate", "edge", "string"),
    ("lastDate", "edge", "string"),
)
# Characters XML 1.0 does not allow, even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: Any) -> str:
    return escape(_NOT_XML.sub("", str(value)))


def _data(key: str, value: Any) -> str:
    return f'      <data key="{key}">{_text(value)}</data>\n'


def graphml_chunks(network: Network) -> Iterator[str]:
    """The network as GraphML 1.0: undirected, every attribute declared as a key."""
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<graphml xmlns="{GRAPHML_NS}"\n'
        '         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"\n'
        f'         xsi:schemaLocation="{GRAPHML_NS} {GRAPHML_SCHEMA}">\n'
    )
    yield "".join(
        f'  <key id="{key}" for="{target}" attr.name="{key}" attr.type="{kind}"/>\n'
        for key, target, kind in GRAPHML_KEYS
    )
    yield '  <graph id="crisisgraph" edgedefault="undirected">\n'
    for node in network.nodes:
        parts = [f"    <node id={quoteattr(node.id)}>\n"]
        parts.append(_data("type", node.type))
        parts.append(_data("name", node.name))
        if node.country is not None:
            parts.append(_data("country", node.country))
        parts.append(_data("engagements", node.engagements))
        parts.append("    </node>\n")
        yield "".join(parts)
    for number, edge in enumerate(network.edges, start=1):
        yield (
            f'    <edge id="e{number}" source={quoteattr(edge.source)} '
            f"target={quoteattr(edge.target)}>\n"
            + _data("weight", edge.weight)
            + _data("kinds", ",".join(sorted(edge.kinds)))
            + _data("firstDate", edge.first_date)
            + _data("lastDate", edge.last_date)
            + "    </edge>\n"
        )
    yield "  </graph>\n</graphml>\n"
