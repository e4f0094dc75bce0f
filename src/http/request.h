// The HTTP request and response as plain values: everything outside
// server.cpp sees these, never Beast types (Beast stays in one translation unit).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/principal.h"

namespace ordo::http {

struct Request {
  std::string method;  // "GET", "POST", …
  std::string path;    // decoded path without the query
  std::string query;   // raw query string, without '?'
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  // Filled by the router / middleware:
  std::string route;  // the matched pattern, e.g. "/v1/orders/{id}" (metrics label)
  std::map<std::string, std::string> params;
  std::string request_id;
  std::string correlation_id;
  std::string remote;
  auth::Principal principal;  // who is calling (set by the API's authentication)
  // Runs work on this request's connection (an io thread); set by the server.
  std::function<void(std::function<void()>)> post;

  std::string_view Header(std::string_view lower_name) const;
  // Percent-decoded query parameter, or empty.
  std::string Query(std::string_view key) const;
  bool HasQuery(std::string_view key) const;
};

// The open end of a streaming response (Server-Sent Events). Callable from
// any thread.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // Queues bytes for the client. False once the client has gone or has
  // fallen too far behind; the stream is then closed.
  virtual bool Push(std::string bytes) = 0;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool close = false;  // close the connection after this response
  bool abort = false;  // drop the connection without answering (simulated network faults)
  // A streaming response: the server calls this once with the stream's sink,
  // then sends the head (status, content type, headers, chunked), so a client
  // that has the head is already subscribed. `body` is sent as the first
  // chunk; what is pushed before the head is out follows it.
  std::function<void(std::shared_ptr<StreamSink>)> stream;
};

// Sends the response; callable from any thread, exactly once.
using Respond = std::function<void(Response)>;
using Handler = std::function<void(Request&, Respond)>;

std::string PercentDecode(std::string_view s, bool plus_is_space);

}  // namespace ordo::http
