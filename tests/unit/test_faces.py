"""Lookup by face (Đ8.1c) through botocore's Stubber on a real Rekognition client: the request
parameters are validated against the real API model. moto has no face search.

Adapter: match, no match, below threshold, no face in the image, throttling. Service (over an
in-process moto table): registration with consent, lookup of the citizen's open dossiers, rate
limit, withdrawal, and the clear "unavailable" answer when there is no Rekognition.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from chalicelib.domain.errors import InvalidInput
from chalicelib.integrations.faces import (
    FaceLookupUnavailable,
    FaceServiceBusy,
    RekognitionFaceIndex,
    UnavailableFaceIndex,
    build_face_index,
    set_face_index,
)
from chalicelib.settings import Settings
from tests.support.samples import jpeg

pytestmark = pytest.mark.unit

COLLECTION = "tthc-faces"
SUB = "3f1c9a2e-1111-4d5e-9c3b-0a1b2c3d4e5f"
FACE_ID = "11111111-2222-3333-4444-555555555555"


@pytest.fixture
def rek() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client(
        "rekognition",
        region_name="ap-southeast-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def _search_params(image: bytes, threshold: float = 95.0) -> dict[str, Any]:
    return {
        "CollectionId": COLLECTION,
        "Image": {"Bytes": image},
        "FaceMatchThreshold": threshold,
        "MaxFaces": 1,
        "QualityFilter": "AUTO",
    }


def _match(similarity: float, external_id: str = SUB) -> dict[str, Any]:
    return {
        "SearchedFaceBoundingBox": {"Width": 0.5, "Height": 0.5, "Left": 0.2, "Top": 0.2},
        "SearchedFaceConfidence": 99.9,
        "FaceMatches": [
            {
                "Similarity": similarity,
                "Face": {"FaceId": FACE_ID, "ExternalImageId": external_id, "Confidence": 99.9},
            }
        ],
    }


# ---- the adapter ---------------------------------------------------------------------------------
def test_match_returns_the_citizen_sub(rek: tuple[Any, Stubber]) -> None:
    client, stub = rek
    img = jpeg()
    stub.add_response("search_faces_by_image", _match(99.2), _search_params(img))
    m = RekognitionFaceIndex(client, COLLECTION).search(img, 95.0)
    assert m is not None and (m.external_id, m.face_id) == (SUB, FACE_ID)
    assert m.similarity == pytest.approx(99.2)


def test_no_match(rek: tuple[Any, Stubber]) -> None:
    client, stub = rek
    img = jpeg()
    stub.add_response(
        "search_faces_by_image",
        {"FaceMatches": [], "SearchedFaceConfidence": 99.0},
        _search_params(img),
    )
    assert RekognitionFaceIndex(client, COLLECTION).search(img, 95.0) is None


def test_a_match_below_the_threshold_is_never_used(rek: tuple[Any, Stubber]) -> None:
    client, stub = rek
    img = jpeg()
    stub.add_response("search_faces_by_image", _match(94.99), _search_params(img))
    assert RekognitionFaceIndex(client, COLLECTION).search(img, 95.0) is None


def test_threshold_comes_from_the_setting(rek: tuple[Any, Stubber]) -> None:
    client, stub = rek
    img = jpeg()
    stub.add_response("search_faces_by_image", _match(98.0), _search_params(img, 99.0))
    assert RekognitionFaceIndex(client, COLLECTION).search(img, 99.0) is None
    assert Settings().face_match_threshold == 95.0
    assert Settings.from_env({"FACE_MATCH_THRESHOLD": "97.5"}).face_match_threshold == 97.5


def test_no_face_in_the_image_is_a_clear_400(rek: tuple[Any, Stubber]) -> None:
    client, stub = rek
    img = jpeg()
    stub.add_client_error(
        "search_faces_by_image",
        service_error_code="InvalidParameterException",
        service_message="There are no faces in the image. Should be at least 1.",
        http_status_code=400,
        expected_params=_search_params(img),
    )
    with pytest.raises(InvalidInput) as exc:
        RekognitionFaceIndex(client, COLLECTION).search(img, 95.0)
    assert exc.value.status == 400 and exc.value.code == "no_face"


@pytest.mark.parametrize("code", ["ProvisionedThroughputExceededException", "ThrottlingException"])
def test_throttling_is_a_clear_503(rek: tuple[Any, Stubber], code: str) -> None:
    client, stub = rek
    img = jpeg()
    stub.add_client_error(
        "search_faces_by_image",
        service_error_code=code,
        http_status_code=400,
        expected_params=_search_params(img),
    )
    with pytest.raises(FaceServiceBusy) as exc:
        RekognitionFaceIndex(client, COLLECTION).search(img, 95.0)
    assert exc.value.status == 503 and exc.value.code == "face_service_busy"


def test_missing_collection_is_unavailable(rek: tuple[Any, Stubber]) -> None:
    client, stub = rek
    stub.add_client_error("delete_faces", service_error_code="ResourceNotFoundException")
    with pytest.raises(FaceLookupUnavailable):
        RekognitionFaceIndex(client, COLLECTION).delete_faces([FACE_ID])


def test_index_face_uses_the_sub_as_external_id(rek: tuple[Any, Stubber]) -> None:
    client, stub = rek
    img = jpeg()
    params = {
        "CollectionId": COLLECTION,
        "Image": {"Bytes": img},
        "ExternalImageId": SUB,
        "MaxFaces": 1,
        "QualityFilter": "AUTO",
        "DetectionAttributes": ["DEFAULT"],
    }
    stub.add_response(
        "index_faces",
        {"FaceRecords": [{"Face": {"FaceId": FACE_ID, "ExternalImageId": SUB}}]},
        params,
    )
    stub.add_response("index_faces", {"FaceRecords": [], "UnindexedFaces": []}, params)
    index = RekognitionFaceIndex(client, COLLECTION)
    assert index.index_face(img, SUB) == [FACE_ID]
    with pytest.raises(InvalidInput) as exc:
        index.index_face(img, SUB)  # nothing indexed: no usable face
    assert exc.value.code == "no_face"


def test_without_a_collection_the_index_is_unavailable() -> None:
    index = build_face_index(Settings())
    assert isinstance(index, UnavailableFaceIndex) and index.available is False
    with pytest.raises(FaceLookupUnavailable) as exc:
        index.search(b"x", 95.0)
    assert exc.value.status == 503


# ---- the service over moto ----------------------------------------------------------------------
@dataclass(frozen=True)
class Citizen:
    sub: str = SUB
    username: str = "congdan"
    role: str = "citizen"
    unit: str | None = None


@pytest.fixture
def deps(aws: Any, rek: tuple[Any, Stubber]) -> Iterator[Any]:
    from chalicelib.services.deps import get_deps

    client, _ = rek
    set_face_index(RekognitionFaceIndex(client, COLLECTION))
    try:
        yield get_deps()
    finally:
        set_face_index(None)


def _open_dossier(deps: Any) -> str:
    from chalicelib.domain.dossier import Dossier
    from infra.demo import load_catalogue

    load_catalogue(deps.store)
    proc = deps.store.get_procedure("2.001610")
    now = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    d = Dossier.model_validate(
        {
            "id": "dface1",
            "code": "H33.50-261130-0042",
            "owner": SUB,
            "procedure_code": proc.code,
            "procedure_version": proc.version,
            "lead_agency": proc.lead_agency,
            "receiving_unit": "H33.50",
            "applicant": {"name": "Nguyễn Văn An", "id_number": "093090001234"},
            "status": 4,
            "created_at": now,
            "received_at": now,
            "appointment_at": datetime(2026, 12, 7, 10, 0, tzinfo=UTC),
        }
    )
    deps.store.create_dossier(d)
    return d.code or ""


def _stub_register(stub: Stubber, img: bytes) -> None:
    stub.add_response(
        "index_faces",
        {"FaceRecords": [{"Face": {"FaceId": FACE_ID, "ExternalImageId": SUB}}]},
        {
            "CollectionId": COLLECTION,
            "Image": {"Bytes": img},
            "ExternalImageId": SUB,
            "MaxFaces": 1,
            "QualityFilter": "AUTO",
            "DetectionAttributes": ["DEFAULT"],
        },
    )


def test_registration_needs_consent_and_an_image(deps: Any) -> None:
    from chalicelib.services.privacy import faces

    with pytest.raises(InvalidInput) as exc:
        faces.register(deps, Citizen(), jpeg(), consent_version=None, consent_accepted=True)
    assert exc.value.code == "consent_required"
    with pytest.raises(InvalidInput) as exc:
        faces.register(deps, Citizen(), jpeg(), consent_version="old", consent_accepted=True)
    assert exc.value.code == "consent_required"
    with pytest.raises(InvalidInput) as exc:
        faces.register(
            deps,
            Citizen(),
            b"%PDF-1.4" + b"x" * 200,
            consent_version=faces.CONSENT_VERSION,
            consent_accepted=True,
        )
    assert exc.value.code == "unsupported_type"
    with pytest.raises(InvalidInput) as exc:
        faces.register(
            deps,
            Citizen(),
            b"\xff\xd8\xff" + b"0" * faces.MAX_IMAGE_BYTES,
            consent_version=faces.CONSENT_VERSION,
            consent_accepted=True,
        )
    assert exc.value.code == "file_too_large"


def test_register_lookup_withdraw(deps: Any, rek: tuple[Any, Stubber]) -> None:
    from chalicelib.services.privacy import faces
    from chalicelib.store.faces import FaceStore

    _, stub = rek
    code = _open_dossier(deps)
    img = jpeg()
    store = FaceStore(deps.store.client, deps.store.table)

    # registration: consent recorded with its version, the mapping stored, the image not kept
    _stub_register(stub, img)
    out = faces.register(
        deps, Citizen(), img, consent_version=faces.CONSENT_VERSION, consent_accepted=True
    )
    assert out["registered"] is True
    mapping = store.get_mapping(SUB)
    assert mapping is not None and mapping["face_ids"] == [FACE_ID]
    assert mapping["image_key"] is None
    consents = store.consents(SUB)
    assert [c["action"] for c in consents] == ["given"]
    assert consents[0]["consent_version"] == faces.CONSENT_VERSION
    assert consents[0]["text_sha256"] == faces.CONSENT_SHA256
    assert faces.my_status(deps, Citizen())["registered"] is True

    # lookup: the masked public status of the citizen's open dossiers
    stub.add_response("search_faces_by_image", _match(99.0), _search_params(img))
    found = faces.lookup(deps, img, "203.0.113.9")
    assert found["matched"] is True
    assert [d["code"] for d in found["dossiers"]] == [code]
    assert found["dossiers"][0]["applicant_masked"] != "Nguyễn Văn An"
    assert "history" not in found["dossiers"][0]

    # a match below the threshold shows nothing
    stub.add_response("search_faces_by_image", _match(80.0), _search_params(img))
    assert faces.lookup(deps, img, "203.0.113.9") == {"matched": False, "dossiers": []}

    # every lookup is audited (by a hash of the client's address, never the address)
    from chalicelib.store.audit import AuditStore

    day = datetime.now(UTC).astimezone(faces._VN).strftime("%Y-%m-%d")
    events, _ = AuditStore(deps.store.client, deps.store.table).read_stream(f"FACELOOKUP#{day}")
    assert [e.action for e in events] == ["face_lookup", "face_lookup"]
    assert "203.0.113.9" not in str([e.body() for e in events])

    # withdrawal: DeleteFaces, the mapping gone, the withdrawal recorded
    stub.add_response(
        "delete_faces",
        {"DeletedFaces": [FACE_ID]},
        {"CollectionId": COLLECTION, "FaceIds": [FACE_ID]},
    )
    assert faces.withdraw(deps, Citizen()) == {"registered": False, "faces_deleted": 1}
    assert store.get_mapping(SUB) is None
    assert [c["action"] for c in store.consents(SUB)] == ["given", "withdrawn"]

    # a face the service still returns after withdrawal is not used
    stub.add_response("search_faces_by_image", _match(99.0), _search_params(img))
    assert faces.lookup(deps, img, "203.0.113.9")["matched"] is False


def test_kept_registration_image_is_deleted_on_withdrawal(
    deps: Any, rek: tuple[Any, Stubber]
) -> None:
    from chalicelib.services.privacy import faces
    from chalicelib.store.faces import FaceStore

    _, stub = rek
    img = jpeg()
    kept = deps.settings.model_copy(update={"face_keep_registration_image": True})
    from chalicelib.services.deps import Deps

    d2 = Deps(**{**deps.__dict__, "settings": kept})
    _stub_register(stub, img)
    faces.register(d2, Citizen(), img, consent_version=faces.CONSENT_VERSION, consent_accepted=True)
    key = FaceStore(deps.store.client, deps.store.table).get_mapping(SUB)["image_key"]  # type: ignore[index]
    assert key.startswith(f"faces/{SUB}/") and d2.files.get(key) == img
    stub.add_response(
        "delete_faces",
        {"DeletedFaces": [FACE_ID]},
        {"CollectionId": COLLECTION, "FaceIds": [FACE_ID]},
    )
    faces.withdraw(d2, Citizen())
    assert not d2.files.inspect(key).exists


def test_lookup_is_rate_limited_per_client(deps: Any, rek: tuple[Any, Stubber]) -> None:
    from chalicelib.services.deps import Deps
    from chalicelib.services.privacy import faces

    _, stub = rek
    img = jpeg()
    limited = Deps(
        **{
            **deps.__dict__,
            "settings": deps.settings.model_copy(update={"face_lookups_per_minute": 2}),
        }
    )
    for _ in range(2):
        stub.add_response(
            "search_faces_by_image",
            {"FaceMatches": [], "SearchedFaceConfidence": 99.0},
            _search_params(img),
        )
        assert faces.lookup(limited, img, "198.51.100.1")["matched"] is False
    with pytest.raises(faces.TooManyLookups) as exc:
        faces.lookup(limited, img, "198.51.100.1")
    assert exc.value.status == 429
    # another client is not affected
    stub.add_response(
        "search_faces_by_image",
        {"FaceMatches": [], "SearchedFaceConfidence": 99.0},
        _search_params(img),
    )
    assert faces.lookup(limited, img, "198.51.100.2")["matched"] is False


def test_throttled_lookup_is_503_not_500(deps: Any, rek: tuple[Any, Stubber]) -> None:
    from chalicelib.services.privacy import faces

    _, stub = rek
    img = jpeg()
    stub.add_client_error(
        "search_faces_by_image",
        service_error_code="ThrottlingException",
        expected_params=_search_params(img),
    )
    with pytest.raises(FaceServiceBusy):
        faces.lookup(deps, img, "192.0.2.7")


def test_unavailable_here_says_so(aws: Any) -> None:
    from chalicelib.services.deps import get_deps
    from chalicelib.services.privacy import faces

    set_face_index(None)
    d = get_deps()
    assert faces.availability(d)["available"] is False
    with pytest.raises(FaceLookupUnavailable):
        faces.lookup(d, jpeg(), "192.0.2.8")
    with pytest.raises(FaceLookupUnavailable):
        faces.register(
            d, Citizen(), jpeg(), consent_version=faces.CONSENT_VERSION, consent_accepted=True
        )
