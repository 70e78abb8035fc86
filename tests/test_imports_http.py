"""Imports over HTTP: `POST /api/v1/imports` stores a bundle or a GDELT file and imports it in the
background; the client polls the job it gets back until it is over, with exact counts. Writing
keys only (401, 403), a size limit (413), the media types it takes (415), and the same jobs over
GraphQL (`importBundle`, `importJob`, `imports`). One test runs it all against a real
`crisisgraph serve` process."""

from __future__ import annotations

import asyncio
import io
import json
import time
import urllib.request
import zipfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from api.app import create_app
from db.engine import begin_write, make_engine, make_sessionmaker, transaction
from db.enums import GroupKind
from db.gdelt import GDELT1
from db.ids import seed_id
from db.imports import ImportRunner, import_runner
from db.keys import create_key
from db.models import ImportJob
from db.models.imports import ImportStatus
from db.settings import Settings
from tests.conftest import BACKENDS
from tests.servers import off_loop, prepared_database, running_server
from tests.test_bundles import drop_url, new_database

pytestmark = pytest.mark.anyio

IMPORTS = "/api/v1/imports"
STAMP = "2024-01-01T00:00:00+00:00"
GROUP = "group_" + "7" * 26
MEMBERSHIP = "membership_" + "8" * 26


def small_bundle(version: int = 1) -> dict[str, Any]:
    """A group new to the seed and Ukraine's membership of it."""
    return {
        "format": "crisisgraph-bundle",
        "version": version,
        "exportedAt": STAMP,
        "filter": None,
        "records": {
            "groups": [
                {
                    "id": GROUP,
                    "name": "Crimea Platform",
                    "aliases": [],
                    "kind": "DIPLOMATIC_FORMAT",
                    "description": None,
                    "wikidataQid": None,
                    "createdAt": STAMP,
                    "updatedAt": STAMP,
                }
            ],
            "memberships": [
                {
                    "id": MEMBERSHIP,
                    "group": GROUP,
                    "member": "country_UA",
                    "role": "MEMBER",
                    "startDate": "2021-08-23",
                    "endDate": None,
                    "createdAt": STAMP,
                    "updatedAt": STAMP,
                }
            ],
        },
    }


def gdelt_row(
    event_id: int, day: str, actor1: tuple[str, str, str], actor2: tuple[str, str, str], code: str
) -> str:
    values = dict.fromkeys(GDELT1.columns, "")
    values.update(
        GLOBALEVENTID=str(event_id),
        SQLDATE=day,
        MonthYear=day[:6],
        Year=day[:4],
        FractionDate="2022.0300",
        Actor1Code=actor1[0],
        Actor1Name=actor1[1],
        Actor1CountryCode=actor1[2],
        Actor2Code=actor2[0],
        Actor2Name=actor2[1],
        Actor2CountryCode=actor2[2],
        IsRootEvent="1",
        EventCode=code,
        EventBaseCode=code[:3],
        EventRootCode=code[:2],
        QuadClass="1",
        GoldsteinScale="4.0",
        NumMentions="10",
        NumSources="2",
        NumArticles="10",
        AvgTone="1.5",
        ActionGeo_Type="4",
        ActionGeo_FullName="Geneva, Switzerland",
        ActionGeo_CountryCode="SZ",
        ActionGeo_ADM1Code="SZ00",
        ActionGeo_Lat="46.2",
        ActionGeo_Long="6.15",
        ActionGeo_FeatureID="-1",
        DATEADDED=day,
        SOURCEURL=f"https://example.org/events/{event_id}",
    )
    return "\t".join(values[c] for c in GDELT1.columns)


USA, RUS = ("USA", "UNITED STATES", "USA"), ("RUS", "RUSSIA", "RUS")
PUTIN = ("RUSGOV", "VLADIMIR PUTIN", "RUS")
GDELT_FILE = (
    gdelt_row(810000001, "20220110", USA, RUS, "043")
    + "\n"
    + gdelt_row(810000002, "20220112", PUTIN, USA, "036")
    + "\n"
).encode()
BAD_ROW = gdelt_row(
    810000003, "20221301", ("FRA", "FRANCE", "FRA"), ("DEU", "GERMANY", "DEU"), "040"
)
GDELT_COUNTS = {
    "format": "GDELT 1.0",
    "rows": 2,
    "created": 2,
    "updated": 0,
    "unchanged": 0,
    "skipped": 0,
    "deleted": 0,
    "participantsCreated": 4,
    "sourcesCreated": 2,
    "groupsCreated": 0,
    "kinds": {"STATEMENT": 1, "VISIT": 1},
    "actors": {"country": 3, "leader": 1},
}


# --- the app on a database of its own ------------------------------------------------------------


@dataclass
class Keys:
    url: str
    write: str
    read: str


def _prepare(kind: str, directory: Path) -> Keys:
    url = new_database(kind, directory, "imports_http", True)

    async def keys() -> tuple[str, str]:
        engine = make_engine(Settings(database_url=url))
        try:
            async with transaction(make_sessionmaker(engine)) as session:
                _, write = await create_key(session, "importer", "write")
                _, read = await create_key(session, "reader", "read")
            return write, read
        finally:
            await engine.dispose()

    write, read = asyncio.run(keys())
    return Keys(url, write, read)


@pytest.fixture(scope="module", params=BACKENDS)
def keys(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Keys]:
    prepared = off_loop(_prepare, request.param, tmp_path_factory.mktemp("imports_http"))
    yield prepared
    off_loop(drop_url, prepared.url)


@dataclass
class Api:
    http: httpx.AsyncClient
    runner: ImportRunner
    write: dict[str, str]
    read: dict[str, str]
    sessions: Any

    async def poll(self, location: str, seconds: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + seconds
        while True:
            response = await self.http.get(location, headers=self.write)
            assert response.status_code == 200, response.text
            job: dict[str, Any] = response.json()
            if job["status"] in ("SUCCEEDED", "FAILED"):
                return job
            assert time.monotonic() < deadline, job
            await asyncio.sleep(0.05)

    async def post(
        self, content: bytes | None = None, *, query: str = "", **kwargs: Any
    ) -> httpx.Response:
        headers = {**self.write, **kwargs.pop("headers", {})}
        return await self.http.post(IMPORTS + query, content=content, headers=headers, **kwargs)


async def make_api(keys: Keys, **settings: Any) -> tuple[Api, Any]:
    config = Settings(database_url=keys.url, rate_limits_enabled=False).model_copy(update=settings)
    engine = make_engine(config)
    sessions = make_sessionmaker(engine)
    app = create_app(config, sessions=sessions)
    served = {
        getattr(route, "path", "")
        for mount in app.routes
        if getattr(mount, "path", "") == "/api/v1"
        for route in getattr(mount, "routes", ())
    }
    if "/imports" not in served:
        await engine.dispose()
        pytest.fail("add api.rest.imports.ROUTES to api/rest/routes.py", pytrace=False)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    api = Api(
        http,
        import_runner(app.state),
        {"Authorization": f"Bearer {keys.write}"},
        {"Authorization": f"Bearer {keys.read}"},
        sessions,
    )
    return api, engine


@pytest.fixture
async def api(keys: Keys) -> AsyncIterator[Api]:
    made, engine = await make_api(keys)
    try:
        yield made
    finally:
        await made.runner.aclose()
        await made.http.aclose()
        await engine.dispose()


def without_times(job: dict[str, Any]) -> dict[str, Any]:
    for name in ("createdAt", "startedAt", "finishedAt"):
        value = job.pop(name)
        assert value is None or datetime.fromisoformat(value).tzinfo is not None
    return job


# --- bundles -------------------------------------------------------------------------------------


async def test_a_bundle_sent_as_json_is_imported_in_the_background(api: Api) -> None:
    body = json.dumps(small_bundle()).encode()
    response = await api.post(body, headers={"Content-Type": "application/json"})
    assert response.status_code == 202, response.text
    queued = response.json()
    location = f"{IMPORTS}/{queued['id']}"
    assert response.headers["location"] == location
    assert without_times(queued) == {
        "id": queued["id"],
        "type": "BUNDLE",
        "status": "QUEUED",
        "filename": None,
        "sizeBytes": len(body),
        "options": {},
        "progress": None,
        "counts": None,
        "errors": [],
        "errorCount": 0,
    }
    done = await api.poll(location)
    assert done["startedAt"] <= done["finishedAt"]
    assert without_times(done) == {
        **queued,
        "status": "SUCCEEDED",
        "counts": {
            "records": 2,
            "created": 2,
            "updated": 0,
            "unchanged": 0,
            "skipped": 0,
            "byType": {
                "groups": {"created": 1, "updated": 0, "unchanged": 0, "skipped": 0},
                "memberships": {"created": 1, "updated": 0, "unchanged": 0, "skipped": 0},
            },
            "detached": 0,
            "claimsRederived": 0,
        },
    }
    group = await api.http.get(f"/api/v1/groups/{GROUP}")
    assert group.status_code == 200 and group.json()["name"] == "Crimea Platform"

    # The same bundle again, as a multipart file: nothing new.
    response = await api.post(files={"file": ("platform.json", body, "application/json")})
    assert response.status_code == 202, response.text
    again = await api.poll(response.headers["location"])
    assert (again["type"], again["filename"], again["status"]) == (
        "BUNDLE",
        "platform.json",
        "SUCCEEDED",
    )
    assert (again["counts"]["created"], again["counts"]["unchanged"]) == (0, 2)


async def test_a_bundle_that_cannot_be_imported_fails_its_job_whole(api: Api) -> None:
    response = await api.post(
        json.dumps(small_bundle(version=2)).encode(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 202
    job = await api.poll(response.headers["location"])
    assert (job["status"], job["counts"], job["errorCount"]) == ("FAILED", {}, 1)
    assert job["errors"] == [
        {
            "row": None,
            "field": None,
            "reason": "bundle version 2 is not supported: this crisisgraph reads version 1",
        }
    ]

    broken = small_bundle()
    broken["records"]["memberships"][0]["member"] = "country_ZZ"  # no such country
    broken["records"]["groups"][0]["id"] = "group_" + "9" * 26
    broken["records"]["memberships"][0]["group"] = "group_" + "9" * 26
    broken["records"]["memberships"][0]["id"] = "membership_" + "9" * 26
    response = await api.post(
        json.dumps(broken).encode(), headers={"Content-Type": "application/json"}
    )
    job = await api.poll(response.headers["location"])
    assert (job["status"], job["errorCount"]) == ("FAILED", 1)
    assert job["errors"] == [
        {
            "row": None,
            "field": "records.memberships[0]",
            "reason": "membership_"
            + "9" * 26
            + " names country_ZZ, in neither the bundle nor this database",
        }
    ]
    missing = await api.http.get(f"/api/v1/groups/{'group_' + '9' * 26}")
    assert missing.status_code == 404  # all or nothing: the group is not there either


# --- GDELT files ---------------------------------------------------------------------------------


async def test_a_gdelt_file_uploaded_as_a_form_or_as_the_body(api: Api) -> None:
    response = await api.post(
        files={"file": ("events.tsv", GDELT_FILE, "text/tab-separated-values")}
    )
    assert response.status_code == 202, response.text
    job = await api.poll(response.headers["location"])
    assert without_times(job) == {
        "id": job["id"],
        "type": "GDELT",
        "status": "SUCCEEDED",
        "filename": "events.tsv",
        "sizeBytes": len(GDELT_FILE),
        "options": {"skipBadRows": False},
        "progress": None,
        "counts": GDELT_COUNTS,
        "errors": [],
        "errorCount": 0,
    }
    found = await api.http.get("/api/v1/engagements?with_total=true&from=2022-01-10&to=2022-01-12")
    assert found.json()["total"] == 2

    # The same file as the body: the events are there already, unchanged.
    response = await api.post(GDELT_FILE, query="?type=gdelt", headers={"Content-Type": "text/csv"})
    assert response.status_code == 202, response.text
    again = await api.poll(response.headers["location"])
    assert again["status"] == "SUCCEEDED"
    assert again["counts"] == {
        **GDELT_COUNTS,
        "created": 0,
        "unchanged": 2,
        "participantsCreated": 0,
        "sourcesCreated": 0,
    }

    # Zipped, as GDELT publishes its files.
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("20220110.export.CSV", GDELT_FILE)
    response = await api.post(packed.getvalue(), headers={"Content-Type": "application/zip"})
    zipped = await api.poll(response.headers["location"])
    assert (zipped["type"], zipped["status"]) == ("GDELT", "SUCCEEDED")
    assert (zipped["filename"], zipped["counts"]["unchanged"]) == (None, 2)


async def test_gdelt_bad_rows_fail_the_file_unless_skipped(api: Api) -> None:
    body = (
        GDELT_FILE.replace(b"810000001", b"820000001").replace(b"810000002", b"820000002")
        + BAD_ROW.encode()
        + b"\n"
    )
    response = await api.post(body, headers={"Content-Type": "text/csv"})
    job = await api.poll(response.headers["location"])
    bad = {"row": 3, "field": "SQLDATE", "reason": "'20221301' is not a date (YYYYMMDD)"}
    assert (job["status"], job["counts"], job["errors"], job["errorCount"]) == (
        "FAILED",
        {},
        [bad],
        1,
    )

    response = await api.post(
        body, query="?skip_bad_rows=true", headers={"Content-Type": "text/csv"}
    )
    job = await api.poll(response.headers["location"])
    assert (job["status"], job["options"], job["errors"], job["errorCount"]) == (
        "SUCCEEDED",
        {"skipBadRows": True},
        [bad],
        1,
    )
    assert job["counts"] == {**GDELT_COUNTS, "rows": 3, "skipped": 1}

    response = await api.post(b"not,a,gdelt,file\n", headers={"Content-Type": "text/csv"})
    job = await api.poll(response.headers["location"])
    assert (job["status"], job["errorCount"]) == ("FAILED", 1)
    assert job["errors"][0]["reason"].startswith(
        "upload: has 1 column on line 1 (it is not tab-separated)"
    )


# --- refusals ------------------------------------------------------------------------------------


async def count_jobs(api: Api) -> int:
    response = await api.http.get(f"{IMPORTS}?with_total=true&limit=1", headers=api.write)
    total: int = response.json()["total"]
    return total


async def test_writing_keys_only(api: Api, keys: Keys) -> None:
    body = json.dumps(small_bundle()).encode()
    json_type = {"Content-Type": "application/json"}
    anonymous = await api.http.post(IMPORTS, content=body, headers=json_type)
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == 'Bearer realm="crisisgraph"'
    assert anonymous.json()["detail"] == "writing needs an API key with write scope"
    unknown = await api.http.post(
        IMPORTS, content=body, headers={**json_type, "Authorization": "Bearer cg_nope_nope"}
    )
    assert unknown.status_code == 401
    reader = await api.http.post(IMPORTS, content=body, headers={**json_type, **api.read})
    assert (reader.status_code, reader.json()["detail"]) == (
        403,
        "the API key 'reader' may read but not write",
    )
    for path in (IMPORTS, f"{IMPORTS}/import_{'0' * 26}"):
        assert (await api.http.get(path)).status_code == 401
        assert (await api.http.get(path, headers=api.read)).status_code == 403
    assert (
        await api.http.get(f"{IMPORTS}/import_{'0' * 26}", headers=api.write)
    ).status_code == 404
    assert (await api.http.get(f"{IMPORTS}/leader_x", headers=api.write)).status_code == 404


async def test_uploads_over_the_limit_are_refused(keys: Keys) -> None:
    api, engine = await make_api(keys, max_import_bytes=1000)
    try:
        before = await count_jobs(api)
        big = b"x" * 1001
        declared = await api.post(big, headers={"Content-Type": "text/csv"})
        assert declared.status_code == 413
        assert (
            declared.json()["detail"] == "the upload is larger than 1,000 bytes (max_import_bytes)"
        )

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it comes
            for _ in range(11):
                yield b"y" * 100

        streamed = await api.post(chunks(), headers={"Content-Type": "application/json"})  # type: ignore[arg-type]
        assert streamed.status_code == 413
        form = await api.post(files={"file": ("big.tsv", big, "text/csv")})
        assert form.status_code == 413
        fits = await api.post(b"y" * 1000, headers={"Content-Type": "application/json"})
        assert fits.status_code == 202
        assert await count_jobs(api) == before + 1
        await api.runner.join()
    finally:
        await api.runner.aclose()
        await api.http.aclose()
        await engine.dispose()


async def test_media_types_and_parameters(api: Api) -> None:
    cases = [
        (
            {"Content-Type": "text/html"},
            "",
            415,
            "send a bundle as application/json, or a GDELT file as multipart/form-data (field 'file'), text/csv or application/zip",
        ),
        (
            {},
            "",
            415,
            "send a bundle as application/json, or a GDELT file as multipart/form-data (field 'file'), text/csv or application/zip",
        ),
        ({"Content-Type": "text/csv"}, "?type=bundle", 415, "a bundle is sent as application/json"),
        (
            {"Content-Type": "application/json"},
            "?type=gdelt",
            415,
            "a GDELT file is sent as multipart/form-data, text/csv or application/zip",
        ),
        (
            {"Content-Type": "application/json"},
            "?type=xml",
            400,
            "'type' is bundle or gdelt, not 'xml'",
        ),
        (
            {"Content-Type": "application/json"},
            "?skip_bad_rows=true",
            400,
            "skip_bad_rows applies to GDELT files, not bundles",
        ),
        (
            {"Content-Type": "application/json"},
            "?format=csv",
            400,
            "unknown query parameter 'format'; accepted: skip_bad_rows, type",
        ),
        (
            {"Content-Type": "multipart/form-data"},
            "",
            400,
            "the multipart/form-data body has no boundary",
        ),
    ]
    before = await count_jobs(api)
    for headers, query, status, detail in cases:
        response = await api.post(b"{}", query=query, headers=headers)
        assert (response.status_code, response.json()["detail"]) == (status, detail), (
            headers,
            query,
        )
    empty = await api.post(b"", headers={"Content-Type": "application/json"})
    assert (empty.status_code, empty.json()["detail"]) == (400, "the upload is empty")
    no_file = await api.post(files={"upload": ("x.tsv", b"abc", "text/csv")})
    assert (no_file.status_code, no_file.json()["detail"]) == (
        400,
        "unknown form field 'upload': send the file alone, in the field 'file'",
    )
    no_part = await api.post(
        b"--edge--\r\n", headers={"Content-Type": "multipart/form-data; boundary=edge"}
    )
    assert (no_part.status_code, no_part.json()["detail"]) == (
        400,
        "the form has no field 'file': send the file in it",
    )
    twice = await api.post(
        files=[("file", ("a.tsv", b"a", "text/csv")), ("file", ("b.tsv", b"b", "text/csv"))]
    )
    assert (twice.status_code, twice.json()["detail"]) == (
        400,
        "the form has the field 'file' twice: send one file",
    )
    assert await count_jobs(api) == before


async def test_the_list_is_newest_first_and_pages(api: Api) -> None:
    ids = []
    for _ in range(3):
        response = await api.post(
            json.dumps(small_bundle(version=3)).encode(),
            headers={"Content-Type": "application/json"},
        )
        ids.append(response.json()["id"])
    await api.runner.join()
    first = await api.http.get(f"{IMPORTS}?limit=2&status=failed&type=BUNDLE", headers=api.write)
    assert first.status_code == 200
    body = first.json()
    assert [job["id"] for job in body["data"]] == ids[::-1][:2]
    assert first.headers["link"] == f'<{body["links"]["next"]}>; rel="next"'
    second = await api.http.get(body["links"]["next"], headers=api.write)
    assert second.json()["data"][0]["id"] == ids[0]
    bad = await api.http.get(f"{IMPORTS}?status=done", headers=api.write)
    assert bad.status_code == 400 and bad.json()["param"] == "status"


# --- the runner ----------------------------------------------------------------------------------


async def test_stopping_the_server_fails_queued_jobs_and_a_new_runner_fails_stale_ones(
    api: Api,
) -> None:
    async with api.runner.busy:  # a job is running: the next one waits, queued
        response = await api.post(
            json.dumps(small_bundle()).encode(), headers={"Content-Type": "application/json"}
        )
        location = response.headers["location"]
        await asyncio.sleep(0.05)
        assert (await api.http.get(location, headers=api.write)).json()["status"] == "QUEUED"
        await api.runner.aclose()
    job = (await api.http.get(location, headers=api.write)).json()
    assert (job["status"], job["errorCount"]) == ("FAILED", 1)
    assert job["errors"][0]["reason"].startswith(
        "interrupted: the server stopped before the import finished"
    )

    # A job left RUNNING by a process that died: the next runner to start marks it failed.
    async with api.sessions() as session:
        await session.execute(
            update(ImportJob)
            .where(ImportJob.public_id == job["id"])  # type: ignore[arg-type]
            .values(
                status=ImportStatus.RUNNING,
                heartbeat_at=datetime.now(UTC) - timedelta(minutes=5),
                errors=[],
                error_count=0,
            )
        )
        await session.commit()
    assert (await api.http.get(location, headers=api.write)).json()["status"] == "RUNNING"
    await ImportRunner(api.sessions).start()
    assert (await api.http.get(location, headers=api.write)).json()["status"] == "FAILED"


async def test_jobs_are_read_while_an_import_holds_the_database(api: Api) -> None:
    """Polling reads: on SQLite it does not wait for the write lock a running import holds."""
    response = await api.post(
        json.dumps(small_bundle()).encode(), headers={"Content-Type": "application/json"}
    )
    location = response.headers["location"]
    await api.poll(location)
    async with api.sessions() as holder:
        await begin_write(holder)  # what a running import holds (on SQLite, the write lock)
        await holder.execute(update(ImportJob).where(ImportJob.id == -1).values(error_count=0))  # type: ignore[arg-type]
        started = time.monotonic()
        got = await api.http.get(location, headers=api.write)
        listed = await api.http.get(IMPORTS, headers=api.write)
        assert (got.status_code, listed.status_code) == (200, 200)
        assert time.monotonic() - started < 2  # the busy timeout is 5 s
        await holder.rollback()


# --- GraphQL -------------------------------------------------------------------------------------

IMPORT_BUNDLE = """
mutation ($bundle: JSON!) {
  importBundle(bundle: $bundle) {
    __typename
    ... on ImportJob { id type status sizeBytes }
    ... on ValidationError { message field }
  }
}
"""
IMPORT_JOB = """
query ($id: ID!) {
  importJob(id: $id) { id type status counts errors { row field reason } errorCount finishedAt }
}
"""


async def graphql(
    api: Api, query: str, variables: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    response = await api.http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_graphql_imports_a_bundle_and_shows_the_jobs(api: Api) -> None:
    bundle = small_bundle()
    bundle["records"]["groups"][0]["name"] = "Crimea Platform (renamed)"
    bundle["records"]["groups"][0]["updatedAt"] = "2024-02-01T00:00:00+00:00"
    started = (await graphql(api, IMPORT_BUNDLE, {"bundle": bundle}, api.write))["data"][
        "importBundle"
    ]
    assert started["__typename"] == "ImportJob"
    assert (started["type"], started["status"]) == ("BUNDLE", "QUEUED")
    await api.runner.join()
    job = (await graphql(api, IMPORT_JOB, {"id": started["id"]}, api.write))["data"]["importJob"]
    assert job["status"] == "SUCCEEDED" and job["errors"] == [] and job["errorCount"] == 0
    assert (job["counts"]["records"], job["counts"]["created"] + job["counts"]["updated"]) == (2, 1)
    group = await api.http.get(f"/api/v1/groups/{GROUP}")
    assert group.json()["name"] == "Crimea Platform (renamed)"

    listed = await graphql(api, "{ imports(first: 1) { nodes { id } totalCount } }", {}, api.write)
    assert listed["data"]["imports"]["nodes"] == [{"id": started["id"]}]
    assert listed["data"]["imports"]["totalCount"] >= 1
    nothing = await graphql(api, IMPORT_JOB, {"id": "import_" + "0" * 26}, api.write)
    assert nothing["data"]["importJob"] is None

    invalid = small_bundle()
    invalid["records"]["groups"][0]["kind"] = "CLUB"
    refused = (await graphql(api, IMPORT_BUNDLE, {"bundle": invalid}, api.write))["data"][
        "importBundle"
    ]
    assert refused == {
        "__typename": "ValidationError",
        "message": f"'CLUB' is not one of {[kind.value for kind in GroupKind]}",
        "field": ["bundle", "records", "groups", "0", "kind"],
    }

    anonymous = await graphql(api, IMPORT_BUNDLE, {"bundle": bundle}, {})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    reader = await graphql(api, IMPORT_JOB, {"id": started["id"]}, api.read)
    assert reader["errors"][0]["extensions"]["code"] == "FORBIDDEN"


# --- a real server -------------------------------------------------------------------------------


def test_a_running_server_imports_what_it_is_sent(tmp_path: Path) -> None:
    with (
        prepared_database("sqlite", tmp_path, "served") as database,
        running_server(database.url, tmp_path / "logs") as server,
    ):
        headers = {"Authorization": f"Bearer {database.write_key}", "Content-Type": "text/csv"}
        request = urllib.request.Request(
            f"{server.base_url}{IMPORTS}", data=GDELT_FILE, headers=headers, method="POST"
        )
        with urllib.request.urlopen(request, timeout=20) as response:
            assert response.status == 202
            location = response.headers["Location"]
        deadline = time.monotonic() + 60
        while True:
            poll = urllib.request.Request(f"{server.base_url}{location}", headers=headers)
            with urllib.request.urlopen(poll, timeout=20) as response:
                job = json.load(response)
            if job["status"] in ("SUCCEEDED", "FAILED") or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        server.check_alive()
        assert (job["status"], job["counts"]) == ("SUCCEEDED", GDELT_COUNTS), job
        engagement = seed_id("engagement", "gdelt:810000001")
        with urllib.request.urlopen(
            f"{server.base_url}/api/v1/engagements/{engagement}", timeout=20
        ) as response:
            assert json.load(response)["externalId"] == "gdelt:810000001"
