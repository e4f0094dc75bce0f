#include "load/lifecycle.h"

#include <stdexcept>

namespace ordo::load {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

void SkipSpace(std::string_view s, std::size_t& i) {
  while (i < s.size() && IsSpace(s[i])) ++i;
}

// At an opening quote: the string as written, with i past its closing quote.
std::optional<std::string_view> ScanString(std::string_view s, std::size_t& i) {
  const std::size_t start = ++i;
  while (i < s.size()) {
    if (s[i] == '\\') {
      i += 2;
    } else if (s[i] == '"') {
      return s.substr(start, i++ - start);
    } else {
      ++i;
    }
  }
  return std::nullopt;
}

// Steps over one value: a string, an object or array (brackets counted, strings
// skipped) or a scalar. False when the text ends first.
bool SkipValue(std::string_view s, std::size_t& i) {
  if (i >= s.size()) return false;
  if (s[i] == '"') return ScanString(s, i).has_value();
  if (s[i] == '{' || s[i] == '[') {
    int depth = 0;
    while (i < s.size()) {
      const char c = s[i];
      if (c == '"') {
        if (!ScanString(s, i)) return false;
        continue;
      }
      if (c == '{' || c == '[') {
        ++depth;
      } else if ((c == '}' || c == ']') && --depth == 0) {
        ++i;
        return true;
      }
      ++i;
    }
    return false;
  }
  const std::size_t start = i;
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && !IsSpace(s[i])) ++i;
  return i > start;
}

constexpr std::string_view kPayBody = R"({"payment_method":{"token":"tok_visa"}})";
constexpr std::string_view kShipOpen = R"({"carrier":"DHL","tracking":")";
constexpr std::string_view kShipClose = R"("})";
constexpr std::string_view kDeliverBody = "{}";

}  // namespace

const char* ToString(FlowStep step) {
  switch (step) {
    case FlowStep::kCreate: return "create";
    case FlowStep::kPay: return "pay";
    case FlowStep::kPoll: return "poll";
    case FlowStep::kShip: return "ship";
    case FlowStep::kDeliver: return "deliver";
  }
  return "?";
}

std::optional<std::string_view> TopLevelString(std::string_view s, std::string_view key) {
  std::size_t i = 0;
  SkipSpace(s, i);
  if (i >= s.size() || s[i] != '{') return std::nullopt;
  ++i;
  while (true) {
    SkipSpace(s, i);
    if (i >= s.size() || s[i] != '"') return std::nullopt;  // also the end of the object
    const auto name = ScanString(s, i);
    if (!name) return std::nullopt;
    SkipSpace(s, i);
    if (i >= s.size() || s[i] != ':') return std::nullopt;
    ++i;
    SkipSpace(s, i);
    if (*name == key) {
      if (i < s.size() && s[i] == '"') return ScanString(s, i);
      return std::nullopt;
    }
    if (!SkipValue(s, i)) return std::nullopt;
    SkipSpace(s, i);
    if (i >= s.size() || s[i] != ',') return std::nullopt;
    ++i;
  }
}

bool IsPathSafeId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-';
    if (!ok) return false;
  }
  return true;
}

void OrderFlow::Restart() {
  step_ = FlowStep::kCreate;
  id_.clear();
  polls_ = 0;
  failure_ = Failure::kNone;
}

OrderFlow::Verdict OrderFlow::Fail(Failure f) {
  failure_ = f;
  return Verdict::kFailed;
}

OrderFlow::Verdict OrderFlow::AfterPaymentStatus(std::optional<std::string_view> status, TimePoint now) {
  if (!status) return Fail(Failure::kBadResponse);
  if (*status == "paid") {
    step_ = FlowStep::kShip;
    return Verdict::kSend;
  }
  // The statuses before paid in the default workflow: the charge is in flight.
  if (*status == "pending" || *status == "confirmed") {
    if (now >= paid_deadline_) return Fail(Failure::kPaidTimeout);
    step_ = FlowStep::kPoll;
    return Verdict::kPollLater;
  }
  return Fail(Failure::kPaymentFailed);
}

OrderFlow::Verdict OrderFlow::OnResponse(int status, std::string_view body, TimePoint now) {
  if (status < 200 || status >= 300) return Fail(Failure::kRejected);
  switch (step_) {
    case FlowStep::kCreate: {
      const auto id = TopLevelString(body, "id");
      if (!id || !IsPathSafeId(*id)) return Fail(Failure::kBadResponse);
      id_.assign(*id);
      step_ = FlowStep::kPay;
      return Verdict::kSend;
    }
    case FlowStep::kPay:
      paid_deadline_ = now + paid_timeout_;
      return AfterPaymentStatus(TopLevelString(body, "status"), now);
    case FlowStep::kPoll:
      ++polls_;
      return AfterPaymentStatus(TopLevelString(body, "status"), now);
    case FlowStep::kShip:
      if (TopLevelString(body, "status") != "shipped") return Fail(Failure::kBadResponse);
      step_ = FlowStep::kDeliver;
      return Verdict::kSend;
    case FlowStep::kDeliver:
      if (TopLevelString(body, "status") != "delivered") return Fail(Failure::kBadResponse);
      return Verdict::kCompleted;
  }
  return Fail(Failure::kBadResponse);
}

void BuildStepRequest(std::string& out, FlowStep step, std::string_view order_id, std::string_view head,
                      std::string_view post_header, std::string_view tracking) {
  out.clear();
  if (step == FlowStep::kCreate) throw std::invalid_argument("creates come from the order pool");
  if (step == FlowStep::kPoll) {
    out += "GET /v1/orders/";
    out += order_id;
    out += " HTTP/1.1\r\n";
    out += head;
    out += "Accept: application/json\r\n\r\n";
    return;
  }
  out += "POST /v1/orders/";
  out += order_id;
  out += '/';
  out += ToString(step);
  out += " HTTP/1.1\r\n";
  out += head;
  out += post_header;
  out += "Content-Type: application/json\r\nContent-Length: ";
  const std::size_t length = step == FlowStep::kPay    ? kPayBody.size()
                             : step == FlowStep::kShip ? kShipOpen.size() + tracking.size() + kShipClose.size()
                                                       : kDeliverBody.size();
  out += std::to_string(length);
  out += "\r\n\r\n";
  if (step == FlowStep::kPay) {
    out += kPayBody;
  } else if (step == FlowStep::kShip) {
    out += kShipOpen;
    out += tracking;
    out += kShipClose;
  } else {
    out += kDeliverBody;
  }
}

}  // namespace ordo::load
