"""Lookup by face (Đ8.1c): the `FaceIndex` interface, its Amazon Rekognition implementation and
an "unavailable" one for places without Rekognition (the local `make run` stack: moto has no face
search), so the page can say so and offer the code and QR lookups instead.

Rekognition calls: `IndexFaces` (ExternalImageId = the citizen's sub, one face),
`SearchFacesByImage` (FaceMatchThreshold from the settings, default 95), `DeleteFaces`.
Errors become domain errors: throttling → 503 `face_service_busy`; no face or a bad image →
400 `no_face`; no collection or no endpoint → 503 `face_lookup_unavailable`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.domain.errors import DomainError, InvalidInput

if TYPE_CHECKING:
    from chalicelib.settings import Settings


class FaceLookupUnavailable(DomainError):
    status = 503
    code = "face_lookup_unavailable"

    def __init__(self) -> None:
        super().__init__(
            "Tra cứu bằng khuôn mặt hiện không khả dụng. "
            "Vui lòng tra cứu bằng mã hồ sơ hoặc mã QR.",
            "Lookup by face is not available here. Please look up by dossier code or QR code.",
        )


class FaceServiceBusy(DomainError):
    status = 503
    code = "face_service_busy"

    def __init__(self) -> None:
        super().__init__(
            "Dịch vụ nhận diện khuôn mặt đang quá tải. Vui lòng thử lại sau ít phút.",
            "The face service is busy. Please try again in a few minutes.",
        )


def no_face() -> InvalidInput:
    return InvalidInput(
        "Không tìm thấy khuôn mặt rõ ràng trong ảnh. Hãy chụp chính diện, đủ sáng.",
        "No clear face was found in the image. Take a well-lit, frontal photo.",
        code="no_face",
        field="image",
    )


@dataclass(frozen=True)
class FaceMatch:
    external_id: str  # the citizen's sub
    face_id: str
    similarity: float


class FaceIndex(Protocol):
    @property
    def available(self) -> bool: ...

    def index_face(self, image: bytes, external_id: str) -> list[str]:
        """Add the one face in `image`; its face ids."""
        ...

    def search(self, image: bytes, threshold: float) -> FaceMatch | None:
        """The best match at or above `threshold` percent, or None."""
        ...

    def delete_faces(self, face_ids: list[str]) -> list[str]:
        """Delete these faces; the ids deleted."""
        ...


class UnavailableFaceIndex:
    """No Rekognition here: every call says so clearly."""

    available = False

    def index_face(self, image: bytes, external_id: str) -> list[str]:
        raise FaceLookupUnavailable()

    def search(self, image: bytes, threshold: float) -> FaceMatch | None:
        raise FaceLookupUnavailable()

    def delete_faces(self, face_ids: list[str]) -> list[str]:
        raise FaceLookupUnavailable()


_BUSY = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "LimitExceededException"}
)
_BAD_IMAGE = frozenset(
    {"InvalidParameterException", "InvalidImageFormatException", "ImageTooLargeException"}
)
_UNAVAILABLE = frozenset(
    {"ResourceNotFoundException", "AccessDeniedException", "InternalServerError", "404"}
)


class RekognitionFaceIndex:
    available = True

    def __init__(self, client: Any, collection_id: str) -> None:
        self.client = client
        self.collection_id = collection_id

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

        try:
            out: dict[str, Any] = getattr(self.client, operation)(**params)
            return out
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in _BUSY:
                raise FaceServiceBusy() from exc
            if code in _BAD_IMAGE:
                raise no_face() from exc
            if code in _UNAVAILABLE or "NotImplemented" in code:
                raise FaceLookupUnavailable() from exc
            raise
        except (EndpointConnectionError, BotoCoreError) as exc:
            raise FaceLookupUnavailable() from exc

    def index_face(self, image: bytes, external_id: str) -> list[str]:
        resp = self._call(
            "index_faces",
            CollectionId=self.collection_id,
            Image={"Bytes": image},
            ExternalImageId=external_id,
            MaxFaces=1,
            QualityFilter="AUTO",
            DetectionAttributes=["DEFAULT"],
        )
        ids = [r["Face"]["FaceId"] for r in resp.get("FaceRecords", []) if r.get("Face")]
        if not ids:
            raise no_face()
        return ids

    def search(self, image: bytes, threshold: float) -> FaceMatch | None:
        resp = self._call(
            "search_faces_by_image",
            CollectionId=self.collection_id,
            Image={"Bytes": image},
            FaceMatchThreshold=float(threshold),
            MaxFaces=1,
            QualityFilter="AUTO",
        )
        best: FaceMatch | None = None
        for m in resp.get("FaceMatches", []):
            similarity = float(m.get("Similarity", 0.0))
            face = m.get("Face", {})
            ext = face.get("ExternalImageId")
            if similarity < threshold or not ext:
                continue  # never trust a match below the threshold, whatever the service says
            if best is None or similarity > best.similarity:
                best = FaceMatch(
                    external_id=ext, face_id=face.get("FaceId", ""), similarity=similarity
                )
        return best

    def delete_faces(self, face_ids: list[str]) -> list[str]:
        if not face_ids:
            return []
        resp = self._call("delete_faces", CollectionId=self.collection_id, FaceIds=face_ids)
        return list(resp.get("DeletedFaces", []))


def build_face_index(settings: Settings, client: Any = None) -> FaceIndex:
    """Rekognition when a collection is configured; else the clear "unavailable" index."""
    if not settings.face_collection_id:
        return UnavailableFaceIndex()
    if client is None:
        from chalicelib.aws import client as aws_client

        client = aws_client("rekognition")
    return RekognitionFaceIndex(client, settings.face_collection_id)


_override: FaceIndex | None = None


def set_face_index(index: FaceIndex | None) -> None:
    """Tests (and a deployment wiring its own client) replace the process-wide index."""
    global _override
    _override = index


def face_index(settings: Settings) -> FaceIndex:
    return _override if _override is not None else build_face_index(settings)
