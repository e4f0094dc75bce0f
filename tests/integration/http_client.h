// A small blocking HTTP/1.1 client over libcurl for the integration tests.
//
// One HttpClient owns one CURL easy handle, so it keeps its connection alive
// between requests. It is not thread-safe: give every thread its own client.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <thread>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace ordo::itest {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  long status = 0;            // 0 when the exchange failed at the transport level
  std::string error;          // the libcurl error text when status == 0
  std::map<std::string, std::string> headers;  // lower-case names, last value wins
  std::string body;

  bool ok() const { return status != 0; }
  // The header value, or "" when absent (the name is matched case-insensitively).
  std::string Header(std::string name) const;
  bool HasHeader(std::string name) const;
  // The body as JSON; a discarded value (is_discarded()) when it is not JSON.
  nlohmann::json Json() const;
  // "HTTP 422 {...}" — for failure messages.
  std::string Describe() const;
};

struct HttpRequest {
  std::string method = "GET";
  std::string path;            // starts with '/', may carry a query string
  std::string body;
  bool has_body = false;       // send body (even when empty) with content_type
  std::string content_type = "application/json";  // "" = send no Content-Type at all
  Headers headers;
  bool expect_continue = false;  // send "Expect: 100-continue" (for large bodies)
};

// The Authorization header every request and SSE subscription gets unless it
// sets one itself (process-wide; the integration harness sets an admin
// token). A request header {"Authorization", ""} sends none at all.
void SetDefaultAuthorization(std::string value);
std::string DefaultAuthorization();

class HttpClient {
 public:
  explicit HttpClient(std::string base_url, std::chrono::milliseconds timeout = std::chrono::seconds(15));
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  void set_base_url(std::string base_url) { base_url_ = std::move(base_url); }
  const std::string& base_url() const { return base_url_; }

  HttpResponse Send(const HttpRequest& request);
  HttpResponse Get(const std::string& path, const Headers& headers = {});
  HttpResponse Post(const std::string& path, const std::string& body, const Headers& headers = {});
  HttpResponse Post(const std::string& path, const nlohmann::json& body, const Headers& headers = {});
  HttpResponse Put(const std::string& path, const nlohmann::json& body, const Headers& headers = {});

 private:
  std::string base_url_;
  std::chrono::milliseconds timeout_;
  void* curl_ = nullptr;  // CURL*
};

// A Server-Sent Events subscription read on a thread of its own. The
// constructor connects; the destructor hangs up.
class SseClient {
 public:
  struct Event {
    std::string id, type, data;
  };
  SseClient(const std::string& url, Headers headers = {});
  ~SseClient();
  SseClient(const SseClient&) = delete;
  SseClient& operator=(const SseClient&) = delete;

  // Waits until `done` holds for the events received so far, or `timeout`.
  bool WaitFor(std::chrono::milliseconds timeout, const std::function<bool(const std::vector<Event>&)>& done);
  // Waits until the response head has arrived; true when it is a 200.
  bool WaitConnected(std::chrono::milliseconds timeout);
  std::vector<Event> events();
  long status();              // the HTTP status, once the head has arrived
  std::string content_type();
  std::string raw();          // everything received

  struct State;  // shared with the reader thread

 private:
  std::shared_ptr<State> state_;
  std::thread thread_;
};

// Percent-encodes a path segment or query value (RFC 3986 unreserved kept).
std::string UrlEncode(const std::string& text);

}  // namespace ordo::itest
