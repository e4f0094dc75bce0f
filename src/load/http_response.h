// A minimal incremental HTTP/1.x response parser for `ordo load`: status line,
// Content-Length, Connection. Chunked transfer coding is not supported (Ordo
// always sends Content-Length) and is reported as an error. The parser stops at
// the end of one response so that the bytes after it (the next response on a
// keep-alive connection) stay with the caller.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ordo::load {

class ResponseParser {
 public:
  enum class State { kNeedMore, kDone, kError };

  static constexpr std::size_t kMaxHeaderBytes = 64 * 1024;

  // keep_body: collect the body (the catalogue fetch); otherwise it is skipped.
  explicit ResponseParser(bool keep_body = false) : keep_body_(keep_body) {}

  // Consumes bytes of the current response from data[0, n). *consumed is set to
  // how many were used; on kDone the rest belongs to the next response. Feeding
  // after kDone starts the next response; after kError, call Reset().
  State Feed(const char* data, std::size_t n, std::size_t* consumed);
  State Feed(std::string_view data, std::size_t* consumed) {
    return Feed(data.data(), data.size(), consumed);
  }
  void Reset();

  // Any byte of the current response seen yet (false right after kDone/Reset).
  bool started() const { return started_; }
  int status() const { return status_; }
  std::size_t content_length() const { return content_length_; }
  bool close() const { return close_; }  // the server will close after this response
  const std::string& body() const { return body_; }
  const std::string& error() const { return error_; }

 private:
  enum class Phase { kStatusLine, kHeaders, kBody, kDone, kError };

  bool OnLine(std::string_view line);  // false on error
  bool OnStatusLine(std::string_view line);
  bool OnHeader(std::string_view line);
  bool EndOfHeaders();
  State Fail(std::string message);

  bool keep_body_;
  Phase phase_ = Phase::kStatusLine;
  bool started_ = false;
  int status_ = 0;
  bool http10_ = false;
  bool keep_alive_token_ = false;
  bool have_length_ = false;
  bool close_ = false;
  std::size_t content_length_ = 0;
  std::size_t remaining_ = 0;
  std::size_t header_bytes_ = 0;
  std::string line_;  // a line split across Feed calls
  std::string body_;
  std::string error_;
};

}  // namespace ordo::load
