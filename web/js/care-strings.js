// Strings of the FAQ, rating, support and face-lookup pages (Vietnamese first, English second).
// Kept apart from i18n.js so those pages own their wording; the language choice is i18n.js's.
import { getLang } from './i18n.js';

const S = {
  'faq.title': ['Câu hỏi thường gặp', 'Frequently asked questions'],
  'faq.lead': ['Giải đáp về thủ tục hành chính theo lĩnh vực và thủ tục. Tìm kiếm không cần gõ dấu.', 'Answers about administrative procedures by field and procedure. Accents are optional when searching.'],
  'faq.q': ['Từ khóa', 'Keywords'],
  'faq.field': ['Lĩnh vực', 'Field'],
  'faq.allFields': ['Tất cả lĩnh vực', 'All fields'],
  'faq.search': ['Tìm kiếm', 'Search'],
  'faq.none': ['Không có câu hỏi phù hợp.', 'No matching questions.'],
  'faq.count': ['{n} câu hỏi', '{n} questions'],
  'faq.forProcedure': ['Câu hỏi về thủ tục {code}', 'Questions about procedure {code}'],
  'faq.procedureLink': ['Câu hỏi thường gặp về thủ tục này', 'FAQ about this procedure'],
  'rate.title': ['Đánh giá mức độ hài lòng', 'Rate your satisfaction'],
  'rate.lead': ['Ý kiến của bạn giúp cơ quan nhà nước phục vụ tốt hơn. Mỗi hồ sơ được đánh giá một lần.', 'Your opinion helps the administration serve better. Each dossier is rated once.'],
  'rate.satisfied': ['Hài lòng', 'Satisfied'],
  'rate.neutral': ['Bình thường', 'Neutral'],
  'rate.dissatisfied': ['Không hài lòng', 'Dissatisfied'],
  'rate.not_used': ['Không sử dụng', 'Not used'],
  'rate.trips': ['Số lần phải đến cơ quan', 'Number of trips to the office'],
  'rate.comment': ['Góp ý thêm (không bắt buộc)', 'Comment (optional)'],
  'rate.submit': ['Gửi đánh giá', 'Send rating'],
  'rate.thanks': ['Cảm ơn bạn đã đánh giá.', 'Thank you for your rating.'],
  'rate.done': ['Hồ sơ này đã được đánh giá.', 'This dossier has already been rated.'],
  'rate.notYet': ['Bạn có thể đánh giá sau khi nhận kết quả.', 'You can rate after receiving the result.'],
  'rate.pick': ['Hãy chọn mức đánh giá cho từng tiêu chí.', 'Choose a level for every criterion.'],
  'face.title': ['Tra cứu hồ sơ bằng khuôn mặt', 'Look up dossiers by face'],
  'face.lead': ['Chụp hoặc chọn ảnh khuôn mặt của người đã đăng ký để xem tình trạng hồ sơ đang giải quyết (thông tin đã che bớt).', 'Take or choose a photo of a registered person to see the status of their open dossiers (masked).'],
  'face.unavailable': ['Tra cứu bằng khuôn mặt hiện không khả dụng trên hệ thống này. Vui lòng tra cứu bằng mã hồ sơ hoặc mã QR trên giấy tiếp nhận.', 'Lookup by face is not available on this system. Please look up by dossier code or the QR code on the receipt.'],
  'face.byCode': ['Tra cứu bằng mã hồ sơ hoặc mã QR', 'Look up by dossier code or QR code'],
  'face.photo': ['Ảnh khuôn mặt (JPEG hoặc PNG, tối đa 5 MB)', 'Face photo (JPEG or PNG, at most 5 MB)'],
  'face.search': ['Tra cứu', 'Look up'],
  'face.noMatch': ['Không tìm thấy người đã đăng ký khớp với ảnh.', 'No registered person matches the photo.'],
  'face.noOpen': ['Người này không có hồ sơ đang giải quyết.', 'This person has no open dossiers.'],
  'face.myTitle': ['Đăng ký tra cứu bằng khuôn mặt', 'Register for lookup by face'],
  'face.consent': ['Tôi đã đọc và đồng ý với nội dung trên', 'I have read and accept the text above'],
  'face.register': ['Đăng ký khuôn mặt', 'Register my face'],
  'face.registered': ['Bạn đã đăng ký tra cứu bằng khuôn mặt.', 'You are registered for lookup by face.'],
  'face.notRegistered': ['Bạn chưa đăng ký.', 'You are not registered.'],
  'face.withdraw': ['Rút lại sự đồng ý và xóa dữ liệu khuôn mặt', 'Withdraw consent and delete my face data'],
  'face.withdrawn': ['Đã xóa dữ liệu khuôn mặt của bạn.', 'Your face data was deleted.'],
  'support.title': ['Yêu cầu hỗ trợ kỹ thuật', 'Technical support requests'],
  'support.lead': ['Báo lỗi hệ thống cho bộ phận công nghệ thông tin; yêu cầu gắn với hồ sơ trễ hạn có thể dùng làm căn cứ đề nghị không tính trễ hạn.', 'Report a system error to the IT department; a request linked to an overdue dossier can support a lateness exemption.'],
  'support.new': ['Gửi yêu cầu mới', 'New request'],
  'support.code': ['Mã hồ sơ (nếu có)', 'Dossier code (if any)'],
  'support.error': ['Lỗi gặp phải', 'Error seen'],
  'support.shot': ['Ảnh chụp màn hình (PNG, JPEG)', 'Screenshot (PNG, JPEG)'],
  'support.send': ['Gửi yêu cầu', 'Send request'],
  'support.sent': ['Đã gửi yêu cầu {id}.', 'Request {id} sent.'],
  'support.none': ['Chưa có yêu cầu.', 'No requests.'],
  'support.priority': ['Mức ưu tiên', 'Priority'],
  'support.triage': ['Phân loại', 'Triage'],
  'support.answer': ['Trả lời', 'Answer'],
  'support.close': ['Đóng', 'Close'],
  'support.state.open': ['Mới', 'Open'],
  'support.state.triaged': ['Đã phân loại', 'Triaged'],
  'support.state.answered': ['Đã trả lời', 'Answered'],
  'support.state.closed': ['Đã đóng', 'Closed'],
};

/** The care pages' string for `key`, {placeholders} filled from `params`. */
export function tc(key, params = {}) {
  const pair = S[key];
  let s = pair ? pair[getLang() === 'en' ? 1 : 0] : key;
  for (const [k, v] of Object.entries(params)) s = s.split(`{${k}}`).join(String(v));
  return s;
}
