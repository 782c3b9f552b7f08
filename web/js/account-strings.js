// Strings of the sign-up, profile and account-security pages, and of e-form prefill (Vietnamese
// first, English second). Kept apart from i18n.js so these pages own their wording.
import { getLang } from './i18n.js';

const S = {
  'signup.title': ['Đăng ký tài khoản', 'Create an account'],
  'signup.lead': ['Tài khoản công dân để nộp và theo dõi hồ sơ trực tuyến.', 'A citizen account to file and follow dossiers online.'],
  'signup.name': ['Họ và tên', 'Full name'],
  'signup.username': ['Tên đăng nhập', 'Username'],
  'signup.usernameHint': ['3–64 ký tự: chữ không dấu, chữ số, dấu chấm, gạch ngang hoặc gạch dưới.', '3–64 characters: letters, digits, dot, hyphen or underscore.'],
  'signup.usernameBad': ['Tên đăng nhập chỉ gồm chữ không dấu, chữ số, dấu chấm, gạch ngang, gạch dưới (3–64 ký tự).', 'The username may use letters, digits, dot, hyphen, underscore (3–64 characters).'],
  'signup.email': ['Thư điện tử', 'Email'],
  'signup.password': ['Mật khẩu', 'Password'],
  'signup.passwordHint': ['Ít nhất 8 ký tự, gồm chữ hoa, chữ thường, chữ số và ký tự đặc biệt.', 'At least 8 characters with upper and lower case letters, a digit and a symbol.'],
  'signup.passwordWeak': ['Mật khẩu cần ít nhất 8 ký tự, gồm chữ hoa, chữ thường, chữ số và ký tự đặc biệt.', 'The password needs 8+ characters with upper and lower case letters, a digit and a symbol.'],
  'signup.password2': ['Nhập lại mật khẩu', 'Repeat the password'],
  'signup.mismatch': ['Mật khẩu nhập lại không khớp.', 'The passwords do not match.'],
  'signup.submit': ['Đăng ký', 'Sign up'],
  'signup.haveAccount': ['Đã có tài khoản?', 'Already have an account?'],
  'signup.signinLink': ['Đăng nhập', 'Sign in'],
  'signup.noAccount': ['Chưa có tài khoản?', 'No account yet?'],
  'signup.signupLink': ['Đăng ký tài khoản', 'Create an account'],
  'signup.done': ['Đăng ký thành công. Xin chào {name}.', 'Your account is ready. Welcome, {name}.'],
  'signup.confirm': ['Đăng ký thành công. Vui lòng xác nhận tài khoản theo hướng dẫn trong thư điện tử, rồi đăng nhập.', 'Signed up. Confirm the account with the code sent by email, then sign in.'],
  'nav.signup': ['Đăng ký', 'Sign up'],
  'nav.profile': ['Hồ sơ cá nhân', 'My profile'],
  'profile.title': ['Hồ sơ cá nhân', 'My profile'],
  'profile.lead': ['Thông tin này được dùng để điền sẵn tờ khai khi bạn nộp hồ sơ.', 'These details prefill your e-forms when you file a dossier.'],
  'profile.details': ['Thông tin cá nhân', 'Personal details'],
  'profile.username': ['Tên đăng nhập', 'Username'],
  'profile.idNumber': ['Số định danh cá nhân', 'Personal ID number'],
  'profile.save': ['Lưu thay đổi', 'Save changes'],
  'profile.saved': ['Đã lưu hồ sơ cá nhân.', 'Your profile is saved.'],
  'profile.links': ['Dữ liệu của tôi', 'My data'],
  'profile.consent': ['Chia sẻ dữ liệu đã đăng ký', 'Sharing registered data'],
  'profile.consentGiven': ['Đã đồng ý', 'Given'],
  'profile.consentNone': ['Chưa đồng ý', 'Not given'],
  'profile.consentGive': ['Đồng ý chia sẻ', 'Give consent'],
  'profile.consentWithdraw': ['Rút lại sự đồng ý', 'Withdraw consent'],
  'profile.consentSaved': ['Đã ghi nhận lựa chọn của bạn.', 'Your choice is recorded.'],
  'security.title': ['Bảo mật tài khoản', 'Account security'],
  'security.lead': ['Nếu bạn nghi ngờ người khác đã biết mật khẩu hoặc đang dùng tài khoản của bạn, hãy báo ngay. Tài khoản sẽ bị khóa và đăng xuất khỏi mọi thiết bị; quản trị viên sẽ liên hệ để mở lại.', 'If you think someone else knows your password or uses your account, report it. The account is locked and signed out everywhere; the administrator will contact you to reopen it.'],
  'security.note': ['Mô tả thêm (không bắt buộc)', 'More details (optional)'],
  'security.report': ['Báo tài khoản bị xâm phạm', 'Report my account compromised'],
  'security.confirm': ['Tôi hiểu tài khoản sẽ bị khóa ngay và tôi sẽ bị đăng xuất', 'I understand the account is locked at once and I will be signed out'],
  'security.confirmNeeded': ['Vui lòng đánh dấu xác nhận trước khi báo.', 'Please tick the confirmation first.'],
  'security.locked': ['Tài khoản đã bị khóa và quản trị viên đã được thông báo. Bạn đã được đăng xuất.', 'The account is locked and the administrator notified. You have been signed out.'],
  'prefill.badge': ['đã điền sẵn', 'prefilled'],
  'prefill.note': ['Một số ô đã được điền sẵn từ hồ sơ cá nhân và hồ sơ đã nộp trước đây. Hãy kiểm tra và sửa nếu cần.', 'Some fields are prefilled from your profile and earlier dossiers. Check them and change them if needed.'],
  'prefill.fromProfile': ['Điền sẵn từ hồ sơ cá nhân', 'Prefilled from your profile'],
  'prefill.fromDossier': ['Điền sẵn từ hồ sơ {code}', 'Prefilled from dossier {code}'],
};

/** This module's string for `key`, {placeholders} filled from `params`. */
export function ta(key, params = {}) {
  const pair = S[key];
  let s = pair ? pair[getLang() === 'en' ? 1 : 0] : key;
  for (const [k, v] of Object.entries(params)) s = s.split(`{${k}}`).join(String(v));
  return s;
}
