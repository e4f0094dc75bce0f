// A strict reader of one JSON object for the request parsers (json_io.cpp,
// integration_io.cpp): each field read is marked, Done() refuses the fields
// nobody asked for, and every error names its field by JSON pointer.
// Internal to src/http.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "base/result.h"
#include "base/text.h"

namespace ordo::http {

inline std::string Escape(const std::string& key) {  // RFC 6901
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

class Fields {
 public:
  Fields(const nlohmann::json& object, std::string base) : o_(object), base_(std::move(base)) {}

  std::string Pointer(const std::string& key) const { return base_ + "/" + Escape(key); }
  bool Has(const char* key) {
    seen_.insert(key);
    auto it = o_.find(key);
    return it != o_.end() && !it->is_null();
  }
  const nlohmann::json& At(const char* key) const { return o_.at(key); }

  Status String(const char* key, bool required, std::string& out, std::size_t max = 1000) {
    if (!Has(key)) return required ? Missing(key) : Ok();
    const nlohmann::json& v = At(key);
    if (!v.is_string()) return Error::Invalid(Pointer(key), std::string(key) + " must be a string");
    const auto& s = v.get_ref<const std::string&>();
    if (!IsCleanText(s, max))
      return Error::Invalid(Pointer(key), std::string(key) + " must be at most " + std::to_string(max) +
                                              " characters of printable text");
    out = s;
    return Ok();
  }
  Status Integer(const char* key, bool required, std::int64_t& out) {
    if (!Has(key)) return required ? Missing(key) : Ok();
    const nlohmann::json& v = At(key);
    if (v.is_number_integer() && !(v.is_number_unsigned() && v.get<std::uint64_t>() > INT64_MAX)) {
      out = v.get<std::int64_t>();
      return Ok();
    }
    return Error::Invalid(Pointer(key), std::string(key) + " must be a whole number");
  }
  Status Number(const char* key, bool required, std::optional<double>& out) {
    if (!Has(key)) return required ? Missing(key) : Ok();
    const nlohmann::json& v = At(key);
    if (!v.is_number()) return Error::Invalid(Pointer(key), std::string(key) + " must be a number");
    out = v.get<double>();
    return Ok();
  }
  Status Bool(const char* key, bool& out) {
    if (!Has(key)) return Ok();
    if (!At(key).is_boolean()) return Error::Invalid(Pointer(key), std::string(key) + " must be true or false");
    out = At(key).get<bool>();
    return Ok();
  }
  Status Done() const {
    for (auto it = o_.begin(); it != o_.end(); ++it)
      if (!seen_.contains(it.key()))
        return Error::Invalid(Pointer(it.key()), "unknown field " + it.key() + " (prices, totals and status are "
                                                                                "never taken from a request)");
    return Ok();
  }

 private:
  Status Missing(const char* key) const { return Error::Invalid(Pointer(key), std::string(key) + " is required"); }
  const nlohmann::json& o_;
  std::string base_;
  std::set<std::string, std::less<>> seen_;
};

#define ORDO_CHECK(expr)                 \
  do {                                   \
    if (auto _s = (expr); !_s) return _s.take_error(); \
  } while (0)

}  // namespace ordo::http
