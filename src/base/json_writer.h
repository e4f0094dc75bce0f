// A small streaming JSON writer for hot paths (order bodies, events, order
// responses), where building a DOM costs dozens of allocations per document.
// Commas are placed automatically. Strings are escaped per RFC 8259.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace ordo {

class JsonWriter {
 public:
  JsonWriter() { out_.reserve(512); }

  JsonWriter& BeginObject() { return Open('{'); }
  JsonWriter& EndObject() { return Close('}'); }
  JsonWriter& BeginArray() { return Open('['); }
  JsonWriter& EndArray() { return Close(']'); }

  JsonWriter& Key(std::string_view key) {
    Comma();
    Quote(key);
    out_ += ':';
    after_key_ = true;
    return *this;
  }
  JsonWriter& String(std::string_view v) {
    Comma();
    Quote(v);
    return *this;
  }
  JsonWriter& Int(std::int64_t v) {
    Comma();
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
    return *this;
  }
  JsonWriter& Double(double v) {
    Comma();
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
    return *this;
  }
  JsonWriter& Bool(bool v) {
    Comma();
    out_.append(v ? "true" : "false");
    return *this;
  }
  JsonWriter& Null() {
    Comma();
    out_.append("null");
    return *this;
  }
  // A value that is already JSON text.
  JsonWriter& Raw(std::string_view json) {
    Comma();
    out_.append(json);
    return *this;
  }
  // String, or null when empty.
  JsonWriter& StringOrNull(std::string_view v) { return v.empty() ? Null() : String(v); }

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  JsonWriter& Open(char c) {
    Comma();
    out_ += c;
    first_ += '1';
    return *this;
  }
  JsonWriter& Close(char c) {
    out_ += c;
    first_.pop_back();
    return *this;
  }
  void Comma() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_.empty()) {
      if (first_.back() == '0') out_ += ',';
      first_.back() = '0';
    }
  }
  static bool NeedsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }
  void Quote(std::string_view s) {
    std::size_t clean = 0;
    while (clean < s.size() && !NeedsEscape(static_cast<unsigned char>(s[clean]))) ++clean;
    const std::size_t at = out_.size();
    if (clean == s.size()) {  // the common case: one copy, no escapes
      out_.resize(at + s.size() + 2);
      char* p = out_.data() + at;
      *p = '"';
      if (!s.empty()) std::memcpy(p + 1, s.data(), s.size());
      p[s.size() + 1] = '"';
      return;
    }
    out_ += '"';
    // Runs of characters that need no escape are appended in one go.
    std::size_t run = 0;
    for (std::size_t i = clean; i < s.size(); ++i) {
      auto c = static_cast<unsigned char>(s[i]);
      if (!NeedsEscape(c)) continue;
      out_.append(s.data() + run, i - run);
      run = i + 1;
      switch (c) {
        case '"': out_.append("\\\""); break;
        case '\\': out_.append("\\\\"); break;
        case '\n': out_.append("\\n"); break;
        case '\r': out_.append("\\r"); break;
        case '\t': out_.append("\\t"); break;
        default: {
          static constexpr char kHex[] = "0123456789abcdef";
          const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
          out_.append(esc, 6);
        }
      }
    }
    out_.append(s.data() + run, s.size() - run);
    out_ += '"';
  }

  std::string out_;
  std::string first_;  // per open container: '1' until its first element
  bool after_key_ = false;
};

}  // namespace ordo
