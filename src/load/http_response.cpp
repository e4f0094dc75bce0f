#include "load/http_response.h"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace ordo::load {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool IEquals(std::string_view a, std::string_view lower_b) {
  if (a.size() != lower_b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != lower_b[i]) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whether a comma-separated header value holds the token (case-insensitive).
bool HasToken(std::string_view value, std::string_view lower_token) {
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    if (IEquals(Trim(value.substr(0, comma)), lower_token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

void ResponseParser::Reset() {
  phase_ = Phase::kStatusLine;
  started_ = false;
  status_ = 0;
  http10_ = false;
  keep_alive_token_ = false;
  have_length_ = false;
  close_ = false;
  content_length_ = 0;
  remaining_ = 0;
  header_bytes_ = 0;
  line_.clear();
  body_.clear();
  error_.clear();
}

ResponseParser::State ResponseParser::Fail(std::string message) {
  phase_ = Phase::kError;
  error_ = std::move(message);
  return State::kError;
}

ResponseParser::State ResponseParser::Feed(const char* data, std::size_t n, std::size_t* consumed) {
  *consumed = 0;
  if (phase_ == Phase::kError) return State::kError;
  if (phase_ == Phase::kDone) Reset();
  const char* p = data;
  const char* const end = data + n;
  if (n > 0) started_ = true;

  while (phase_ == Phase::kStatusLine || phase_ == Phase::kHeaders) {
    if (p == end) {
      *consumed = n;
      return State::kNeedMore;
    }
    const auto* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    const std::size_t take = nl ? static_cast<std::size_t>(nl - p) + 1 : static_cast<std::size_t>(end - p);
    header_bytes_ += take;
    if (header_bytes_ > kMaxHeaderBytes) return Fail("response header too large");
    if (!nl) {
      line_.append(p, take);
      *consumed = n;
      return State::kNeedMore;
    }
    std::string_view line;
    if (line_.empty()) {
      line = std::string_view(p, take - 1);
    } else {
      line_.append(p, take - 1);
      line = line_;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    p += take;
    const bool ok = OnLine(line);
    line_.clear();
    if (!ok) {
      *consumed = static_cast<std::size_t>(p - data);
      return State::kError;
    }
  }

  if (phase_ == Phase::kBody) {
    const std::size_t take = std::min(remaining_, static_cast<std::size_t>(end - p));
    if (keep_body_) body_.append(p, take);
    p += take;
    remaining_ -= take;
    if (remaining_ == 0) phase_ = Phase::kDone;
  }
  *consumed = static_cast<std::size_t>(p - data);
  return phase_ == Phase::kDone ? State::kDone : State::kNeedMore;
}

bool ResponseParser::OnLine(std::string_view line) {
  if (phase_ == Phase::kStatusLine) return OnStatusLine(line);
  if (line.empty()) return EndOfHeaders();
  return OnHeader(line);
}

bool ResponseParser::OnStatusLine(std::string_view line) {
  // "HTTP/1.1 201 Created"; the reason phrase may be empty or missing.
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[8] != ' ') {
    Fail("malformed status line");
    return false;
  }
  http10_ = line[7] == '0';
  int status = 0;
  for (int i = 9; i < 12; ++i) {
    const char c = line[static_cast<std::size_t>(i)];
    if (c < '0' || c > '9') {
      Fail("malformed status code");
      return false;
    }
    status = status * 10 + (c - '0');
  }
  if (line.size() > 12 && line[12] != ' ') {
    Fail("malformed status code");
    return false;
  }
  if (status < 100) {
    Fail("malformed status code");
    return false;
  }
  status_ = status;
  phase_ = Phase::kHeaders;
  return true;
}

bool ResponseParser::OnHeader(std::string_view line) {
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    Fail("malformed header line");
    return false;
  }
  const std::string_view name = line.substr(0, colon);
  const std::string_view value = Trim(line.substr(colon + 1));
  switch (name.size()) {
    case 14:
      if (IEquals(name, "content-length")) {
        std::size_t length = 0;
        const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
        if (ec != std::errc() || ptr != value.data() + value.size() || value.empty()) {
          Fail("malformed Content-Length");
          return false;
        }
        if (have_length_ && length != content_length_) {
          Fail("conflicting Content-Length");
          return false;
        }
        have_length_ = true;
        content_length_ = length;
      }
      break;
    case 10:
      if (IEquals(name, "connection")) {
        if (HasToken(value, "close")) close_ = true;
        if (HasToken(value, "keep-alive")) keep_alive_token_ = true;
      }
      break;
    case 17:
      if (IEquals(name, "transfer-encoding") && !IEquals(value, "identity")) {
        Fail("unsupported Transfer-Encoding");
        return false;
      }
      break;
    default:
      break;
  }
  return true;
}

bool ResponseParser::EndOfHeaders() {
  if (status_ < 200) {
    // 1xx interim response (we never send Expect: 100-continue): skip it.
    const bool keep = keep_body_;
    Reset();
    keep_body_ = keep;
    started_ = true;
    return true;
  }
  if (http10_ && !keep_alive_token_) close_ = true;
  if (!have_length_) {
    if (status_ == 204 || status_ == 304) {
      content_length_ = 0;
    } else {
      Fail("response without Content-Length");
      return false;
    }
  }
  remaining_ = content_length_;
  if (keep_body_) body_.reserve(std::min<std::size_t>(content_length_, 1 << 20));
  phase_ = remaining_ == 0 ? Phase::kDone : Phase::kBody;
  return true;
}

}  // namespace ordo::load
