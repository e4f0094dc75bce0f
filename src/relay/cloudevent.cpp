#include "relay/cloudevent.h"

#include <charconv>

#include "base/clock.h"
#include "base/json_writer.h"

namespace ordo::relay {

std::string EncodeCloudEvent(const store::StoredEvent& event, std::string_view source) {
  // The sequence extension compares values as strings: 19 digits hold any int64.
  std::string digits = std::to_string(event.seq < 0 ? 0 : event.seq);
  std::string padded = std::string(digits.size() < 19 ? 19 - digits.size() : 0, '0') + digits;

  JsonWriter w;
  w.BeginObject();
  w.Key("specversion").String("1.0");
  w.Key("id").String(event.id());
  w.Key("source").String(source);
  w.Key("type").String(std::string(kTypePrefix) + event.type);
  if (!event.order_id.empty()) w.Key("subject").String(event.order_id);
  w.Key("time").String(FormatTimestamp(event.time));
  w.Key("datacontenttype").String("application/json");
  w.Key("sequence").String(padded);
  if (!event.correlation_id.empty()) w.Key("correlationid").String(event.correlation_id);
  if (!event.causation_id.empty()) w.Key("causationid").String(event.causation_id);
  w.Key("data").Raw(event.data.empty() ? std::string_view("{}") : std::string_view(event.data));
  w.EndObject();
  return w.Take();
}

std::string SubjectFor(std::string_view event_type) {
  std::string subject(kSubjectPrefix);
  bool token_empty = true;
  for (char c : event_type) {
    if (c == '.') {
      if (token_empty) subject += '_';
      subject += '.';
      token_empty = true;
      continue;
    }
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    subject += keep ? c : '_';
    token_empty = false;
  }
  if (token_empty) subject += '_';
  return subject;
}

std::optional<std::int64_t> ParseEventId(std::string_view id) {
  constexpr std::string_view kPrefix = "evt_";
  if (id.size() <= kPrefix.size() || id.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  std::string_view digits = id.substr(kPrefix.size());
  for (char c : digits)
    if (c < '0' || c > '9') return std::nullopt;
  std::int64_t seq = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
  if (ec != std::errc() || end != digits.data() + digits.size() || seq <= 0) return std::nullopt;
  return seq;
}

}  // namespace ordo::relay
