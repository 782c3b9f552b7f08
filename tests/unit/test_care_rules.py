"""Pure rules of the FAQ (Đ10.4), support requests (Đ15.8) and dossier ratings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.domain import faq, ratings, support
from chalicelib.domain.dossier import Dossier
from chalicelib.domain.errors import Conflict, IllegalTransition, InvalidInput
from chalicelib.domain.statuses import DossierStatus

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def _faq(question: str, answer: str = "Nộp tại bộ phận một cửa.", **kw: object) -> faq.FaqEntry:
    base: dict[str, object] = {
        "id": question[:8],
        "question": question,
        "answer": answer,
        "field": "Thành lập và hoạt động doanh nghiệp",
        "created_by": "vanphong",
        "created_at": NOW,
        "state": "published",
    }
    return faq.FaqEntry.model_validate({**base, **kw})


# ---- FAQ -----------------------------------------------------------------------------------------
def test_faq_states_go_draft_published_retired_and_back_to_draft() -> None:
    e = _faq("Đăng ký kinh doanh ở đâu?", state="draft")
    e = faq.transition(e, "published", "vanphong", NOW)
    assert e.state == "published" and e.published_at == NOW
    e = faq.transition(e, "retired", "vanphong", NOW)
    assert e.state == "retired" and e.retired_at == NOW
    with pytest.raises(IllegalTransition):
        faq.check_editable(e)
    with pytest.raises(IllegalTransition):
        faq.transition(e, "published", "vanphong", NOW)
    assert faq.transition(e, "draft", "vanphong", NOW).state == "draft"


@pytest.mark.parametrize(("current", "target"), [("draft", "retired"), ("published", "draft")])
def test_faq_illegal_moves_are_refused(current: str, target: str) -> None:
    with pytest.raises(IllegalTransition):
        faq.check_transition(current, target)


def test_fold_removes_vietnamese_accents_and_case() -> None:
    assert faq.fold("Đăng Ký KINH doanh") == "dang ky kinh doanh"
    assert faq.words("Lệ phí: 100.000đ?") == ["le", "phi", "100", "000d"]


def test_search_is_accent_insensitive_and_needs_every_word() -> None:
    a = _faq("Lệ phí đăng ký kinh doanh là bao nhiêu?")
    b = _faq("Thời hạn cấp giấy phép xây dựng?", field="Xây dựng")
    c = _faq("Đăng ký kinh doanh cần giấy tờ gì?", state="draft")
    assert faq.search([a, b, c], "le phi dang ky") == [a]
    assert faq.search([a, b, c], "giay phep") == [b]
    assert faq.search([a, b, c], "kinh doanh xây") == []
    assert faq.search([a, b, c], None, field="xay dung") == [b]
    assert faq.search([a, b, c], "") == sorted([a, b], key=lambda e: faq.fold(e.question))


def test_search_filters_by_procedure_and_ranks_question_hits_first() -> None:
    in_question = _faq("Hồ sơ nộp trực tuyến thế nào?", id="q1", procedure_code="2.001610")
    in_answer = _faq("Cần mang gì?", "Nộp trực tuyến hoặc tại một cửa.", id="q2")
    assert faq.search([in_answer, in_question], "truc tuyen") == [in_question, in_answer]
    assert faq.search([in_answer, in_question], None, procedure="2.001610") == [in_question]
    with pytest.raises(InvalidInput):
        faq.search([], "x" * 201)


# ---- support requests ----------------------------------------------------------------------------
def _request(**kw: object) -> support.SupportRequest:
    base: dict[str, object] = {
        "id": support.new_id(NOW, "a1b2c3d4"),
        "agency": "H33.03",
        "error_seen": "Không tải được tệp đính kèm, lỗi 500.",
        "raised_by": "sokhdt",
        "raised_by_sub": "sub-1",
        "raised_by_role": "agency",
        "raised_at": NOW,
        "dossier_code": "H33.50-261130-0001",
        "dossier_id": "d1",
    }
    return support.SupportRequest.model_validate({**base, **kw})


def test_support_flow_triage_answer_close() -> None:
    r = _request()
    assert r.id == "HT-261130-a1b2c3"
    r = support.triage(r, "high", "quantri", NOW, "xem ngay")
    assert (r.state, r.priority) == ("triaged", "high")
    r = support.triage(r, "urgent", "quantri", NOW)  # re-triage keeps the state
    assert (r.state, r.priority) == ("triaged", "urgent")
    r = support.answer(r, "Đã khắc phục lỗi máy chủ.", "quantri", NOW)
    assert r.state == "answered" and r.answered_by == "quantri"
    r = support.close(r, "quantri", NOW)
    assert r.state == "closed" and [n.kind for n in r.notes] == [
        "triage",
        "triage",
        "answer",
        "close",
    ]
    for action in (
        lambda: support.triage(r, "low", "quantri", NOW),
        lambda: support.answer(r, "thêm", "quantri", NOW),
        lambda: support.close(r, "quantri", NOW),
    ):
        with pytest.raises(IllegalTransition):
            action()


def test_answered_request_cannot_be_triaged_and_empty_answer_is_refused() -> None:
    r = support.answer(_request(), "Đã xử lý.", "quantri", NOW)
    with pytest.raises(IllegalTransition):
        support.triage(r, "low", "quantri", NOW)
    with pytest.raises(InvalidInput):
        support.answer(_request(), "  ", "quantri", NOW)


def test_screenshot_rules_use_real_type_and_size() -> None:
    support.check_screenshot_declared("image/png", 1000)
    with pytest.raises(InvalidInput):
        support.check_screenshot_declared("application/pdf", 1000)
    with pytest.raises(InvalidInput):
        support.check_screenshot_declared("image/jpeg", support.SCREENSHOT_MAX_BYTES + 1)
    assert support.screenshot_problem("image/jpeg", 10) is None
    assert support.screenshot_problem("application/pdf", 10) == "unsupported_type"
    assert support.screenshot_problem(None, 10) == "unsupported_type"
    assert support.screenshot_problem("image/png", 0) == "file_too_large"


def test_evidence_cites_support_request_ids() -> None:
    r = _request()
    assert r.id in r.evidence_text() and "H33.50-261130-0001" in r.evidence_text()
    text = f"Xem {r.id} và HT-261129-ffffff; lại {r.id}. Không phải HT-1-2."
    assert support.cited_ids(text) == [r.id, "HT-261129-ffffff"]


# ---- ratings ---------------------------------------------------------------------------------
def _dossier(status: DossierStatus | None) -> Dossier:
    return Dossier.model_validate(
        {
            "id": "d1",
            "procedure_code": "2.001610",
            "procedure_version": 1,
            "lead_agency": "H33.03",
            "receiving_unit": "H33.50",
            "applicant": {"name": "Nguyễn Văn An", "id_number": "093090001234"},
            "status": int(status) if status is not None else None,
            "created_at": NOW,
        }
    )


def _scores(overall: str = "satisfied") -> ratings.Scores:
    return ratings.Scores.model_validate(
        {
            "overall": overall,
            "time": "satisfied",
            "staff_attitude": "neutral",
            "publicity": "satisfied",
            "trips": 1,
            "online_service": "not_used",
        }
    )


@pytest.mark.parametrize("status", [s for s in DossierStatus if s is not DossierStatus.RETURNED])
def test_rating_before_the_result_is_returned_is_refused(status: DossierStatus) -> None:
    with pytest.raises(Conflict) as exc:
        ratings.check_can_rate(_dossier(status), already_rated=False)
    assert exc.value.status == 409 and exc.value.code == "not_returned"


def test_rating_once_only() -> None:
    ratings.check_can_rate(_dossier(DossierStatus.RETURNED), already_rated=False)
    with pytest.raises(Conflict) as exc:
        ratings.check_can_rate(_dossier(DossierStatus.RETURNED), already_rated=True)
    assert exc.value.code == "already_rated"


def test_dissatisfied_overall_counts_and_others_do_not() -> None:
    assert ratings.counter_metrics(_scores()) == {"rated": 1}
    assert ratings.counter_metrics(_scores("neutral")) == {"rated": 1}
    assert ratings.counter_metrics(_scores("dissatisfied")) == {
        "rated": 1,
        "rated_dissatisfied": 1,
    }
    assert set(ratings.CRITERIA) == set(ratings.Scores.model_fields)


def test_scores_are_validated() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        ratings.Scores.model_validate({**_scores().model_dump(), "overall": "great"})
    with pytest.raises(ValidationError):
        ratings.Scores.model_validate({**_scores().model_dump(), "trips": -1})
