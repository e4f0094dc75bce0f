// Result<T> and Error: expected outcomes are values, never exceptions.
// A small standard code set (after Abseil); codes map to HTTP in exactly one
// function (http/problem.cpp). Programmer errors assert instead.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace ordo {

enum class Code {
  kInvalidArgument,     // the input is malformed or breaks a rule of its own
  kNotFound,            // a named thing does not exist
  kAlreadyExists,       // creating something that is there
  kFailedPrecondition,  // the state does not allow it (insufficient stock, wrong status)
  kAborted,             // a conflict with a concurrent change; may be retried
  kUnavailable,         // a dependency is down; retryable
  kInternal,            // a bug or a broken invariant
  kUnauthenticated,     // no valid credentials (a missing, bad or expired token)
  kPermissionDenied,    // valid credentials that do not allow this
  kResourceExhausted,   // a limit of the caller is used up (rate, open reservations)
};

// One line of a shortfall: the stock a rejected order could not get.
struct Shortfall {
  std::string sku;
  std::int64_t requested = 0;
  std::int64_t available = 0;
};

// A field at fault, as problem+json lists them (errors[]).
struct FieldError {
  std::string pointer;
  std::string detail;
};

struct Error {
  Code code = Code::kInternal;
  std::string type;     // problem type slug, e.g. "insufficient-stock"
  std::string message;  // human readable, never holds SQL or stack traces
  std::string pointer;  // JSON pointer of the offending field, when there is one
  std::vector<Shortfall> shortfalls;
  // More fields at fault besides `pointer` (every unknown product of an order, say).
  std::vector<FieldError> also;

  bool retryable() const { return code == Code::kAborted || code == Code::kUnavailable; }

  static Error Invalid(std::string pointer, std::string message) {
    return {Code::kInvalidArgument, "validation", std::move(message), std::move(pointer), {}};
  }
  static Error NotFound(std::string message, std::string pointer = {}) {
    return {Code::kNotFound, "not-found", std::move(message), std::move(pointer), {}};
  }
  static Error Precondition(std::string type, std::string message) {
    return {Code::kFailedPrecondition, std::move(type), std::move(message), {}, {}};
  }
  static Error Conflict(std::string type, std::string message) {
    return {Code::kAborted, std::move(type), std::move(message), {}, {}};
  }
  static Error Internal(std::string message) {
    return {Code::kInternal, "internal", std::move(message), {}, {}};
  }
  static Error Unauthenticated(std::string message) {
    return {Code::kUnauthenticated, "unauthenticated", std::move(message), {}, {}};
  }
  static Error Forbidden(std::string message, std::string pointer = {}) {
    return {Code::kPermissionDenied, "forbidden", std::move(message), std::move(pointer), {}};
  }
  static Error Exhausted(std::string type, std::string message) {
    return {Code::kResourceExhausted, std::move(type), std::move(message), {}, {}};
  }
  static Error Unavailable(std::string message) {
    return {Code::kUnavailable, "unavailable", std::move(message), {}, {}};
  }
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}     // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }
  Error&& take_error() { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

struct Unit {};
using Status = Result<Unit>;
inline Status Ok() { return Unit{}; }

}  // namespace ordo
