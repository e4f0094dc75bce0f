#include "http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <stdexcept>

namespace ordo::itest {

namespace {
// Function-local statics: the harness sets the default during static initialisation.
std::mutex& AuthMu() {
  static std::mutex mu;
  return mu;
}
std::string& AuthSlot() {
  static std::string value;
  return value;
}
}  // namespace

void SetDefaultAuthorization(std::string value) {
  std::lock_guard lock(AuthMu());
  AuthSlot() = std::move(value);
}

std::string DefaultAuthorization() {
  std::lock_guard lock(AuthMu());
  return AuthSlot();
}


namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The request's own Authorization (empty value: none), else the default.
curl_slist* AuthorizationHeaders(const Headers& headers) {
  for (const auto& [k, v] : headers)
    if (Lower(k) == "authorization") return v.empty() ? nullptr : curl_slist_append(nullptr, ("Authorization: " + v).c_str());
  std::string fallback = DefaultAuthorization();
  return fallback.empty() ? nullptr : curl_slist_append(nullptr, ("Authorization: " + fallback).c_str());
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("curl_global_init failed");
  });
}

std::size_t OnBody(char* data, std::size_t size, std::size_t n, void* user) {
  static_cast<HttpResponse*>(user)->body.append(data, size * n);
  return size * n;
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t n, void* user) {
  auto* response = static_cast<HttpResponse*>(user);
  std::string line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    response->headers.clear();  // a new (possibly interim, e.g. 100 Continue) response
    return size * n;
  }
  std::size_t colon = line.find(':');
  if (colon != std::string::npos)
    response->headers[Lower(Trim(line.substr(0, colon)))] = Trim(line.substr(colon + 1));
  return size * n;
}

}  // namespace

std::string HttpResponse::Header(std::string name) const {
  auto it = headers.find(Lower(std::move(name)));
  return it == headers.end() ? std::string() : it->second;
}

bool HttpResponse::HasHeader(std::string name) const { return headers.count(Lower(std::move(name))) > 0; }

nlohmann::json HttpResponse::Json() const { return nlohmann::json::parse(body, nullptr, false); }

std::string HttpResponse::Describe() const {
  if (status == 0) return "transport error: " + error;
  std::string shown = body.size() > 600 ? body.substr(0, 600) + "…" : body;
  return "HTTP " + std::to_string(status) + " " + shown;
}

HttpClient::HttpClient(std::string base_url, std::chrono::milliseconds timeout)
    : base_url_(std::move(base_url)), timeout_(timeout) {
  GlobalInit();
  curl_ = curl_easy_init();
  if (!curl_) throw std::runtime_error("curl_easy_init failed");
}

HttpClient::~HttpClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

HttpResponse HttpClient::Send(const HttpRequest& request) {
  CURL* curl = static_cast<CURL*>(curl_);
  // Reset keeps the live connection (keep-alive) but forgets the last request's options.
  curl_easy_reset(curl);
  HttpResponse response;
  std::string url = base_url_ + request.path;
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(curl, CURLOPT_PROXY, "");  // never go through a proxy from the environment
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response);

  const bool bodiless = request.method == "GET" || request.method == "HEAD" || request.method == "DELETE";
  if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (!bodiless || request.has_body) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    if (request.method != "POST") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  curl_slist* list = AuthorizationHeaders(request.headers);
  bool user_content_type = false;
  for (const auto& [k, v] : request.headers) {
    if (Lower(k) == "content-type") user_content_type = true;
    if (Lower(k) != "authorization") list = curl_slist_append(list, (k + ": " + v).c_str());
  }
  if (!user_content_type) {
    bool sends_body = !bodiless || request.has_body;
    if (sends_body && !request.content_type.empty() && (request.has_body || !request.body.empty()))
      list = curl_slist_append(list, ("Content-Type: " + request.content_type).c_str());
    else
      list = curl_slist_append(list, "Content-Type:");  // suppress curl's form default
  }
  if (request.expect_continue) {
    list = curl_slist_append(list, "Expect: 100-continue");
    curl_easy_setopt(curl, CURLOPT_EXPECT_100_TIMEOUT_MS, 5000L);
  } else {
    list = curl_slist_append(list, "Expect:");
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);

  CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(list);
  if (rc != CURLE_OK) {
    response.status = 0;
    response.error = std::string(curl_easy_strerror(rc)) + (error[0] ? std::string(": ") + error : "");
    return response;
  }
  long code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  response.status = code;
  return response;
}

HttpResponse HttpClient::Get(const std::string& path, const Headers& headers) {
  HttpRequest r;
  r.method = "GET";
  r.path = path;
  r.headers = headers;
  return Send(r);
}

HttpResponse HttpClient::Post(const std::string& path, const std::string& body, const Headers& headers) {
  HttpRequest r;
  r.method = "POST";
  r.path = path;
  r.body = body;
  r.has_body = !body.empty();
  r.headers = headers;
  return Send(r);
}

HttpResponse HttpClient::Post(const std::string& path, const nlohmann::json& body, const Headers& headers) {
  return Post(path, body.dump(), headers);
}

HttpResponse HttpClient::Put(const std::string& path, const nlohmann::json& body, const Headers& headers) {
  HttpRequest r;
  r.method = "PUT";
  r.path = path;
  r.body = body.dump();
  r.has_body = true;
  r.headers = headers;
  return Send(r);
}

std::string UrlEncode(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

struct SseClient::State {
  std::mutex mu;
  std::condition_variable cv;
  std::string buffer;  // not yet parsed
  std::string raw;
  std::vector<Event> events;
  std::atomic<bool> stop{false};
  long status = 0;
  std::string content_type;

  void Feed(const char* data, std::size_t n) {
    std::lock_guard lock(mu);
    raw.append(data, n);
    buffer.append(data, n);
    for (std::size_t end; (end = buffer.find("\n\n")) != std::string::npos;) {
      std::string block = buffer.substr(0, end);
      buffer.erase(0, end + 2);
      Event e;
      bool any = false;
      std::size_t pos = 0;
      while (pos <= block.size()) {
        std::size_t nl = block.find('\n', pos);
        std::string line = block.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        pos = nl == std::string::npos ? block.size() + 1 : nl + 1;
        if (line.empty() || line[0] == ':') continue;
        std::size_t colon = line.find(':');
        std::string field = line.substr(0, colon);
        std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
        if (!value.empty() && value[0] == ' ') value.erase(0, 1);
        if (field == "id") e.id = value, any = true;
        else if (field == "event") e.type = value, any = true;
        else if (field == "data") e.data += value, any = true;
      }
      if (any && !e.data.empty()) events.push_back(std::move(e));
    }
    cv.notify_all();
  }
};

namespace {
std::size_t OnSseBody(char* data, std::size_t size, std::size_t n, void* user) {
  auto* state = static_cast<SseClient::State*>(user);
  if (state->stop.load()) return 0;  // hang up
  state->Feed(data, size * n);
  return size * n;
}
std::size_t OnSseHeader(char* data, std::size_t size, std::size_t n, void* user) {
  auto* state = static_cast<SseClient::State*>(user);
  std::string line = Trim(std::string(data, size * n));
  std::lock_guard lock(state->mu);
  if (line.rfind("HTTP/", 0) == 0 && line.size() >= 12) state->status = std::atol(line.substr(9, 3).c_str());
  else if (Lower(line).rfind("content-type:", 0) == 0) state->content_type = Trim(line.substr(13));
  state->cv.notify_all();
  return size * n;
}
int OnSseProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<SseClient::State*>(user)->stop.load() ? 1 : 0;
}
}  // namespace

SseClient::SseClient(const std::string& url, Headers headers) : state_(std::make_shared<State>()) {
  GlobalInit();
  thread_ = std::thread([state = state_, url, headers = std::move(headers)] {
    CURL* curl = curl_easy_init();
    if (!curl) return;
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(curl, CURLOPT_PROXY, "");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnSseBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, state.get());
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnSseHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, state.get());
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, OnSseProgress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, state.get());
    curl_slist* list = curl_slist_append(AuthorizationHeaders(headers), "Accept: text/event-stream");
    for (const auto& [k, v] : headers)
      if (Lower(k) != "authorization") list = curl_slist_append(list, (k + ": " + v).c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_perform(curl);
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
  });
}

SseClient::~SseClient() {
  state_->stop = true;
  if (thread_.joinable()) thread_.join();
}

bool SseClient::WaitFor(std::chrono::milliseconds timeout, const std::function<bool(const std::vector<Event>&)>& done) {
  std::unique_lock lock(state_->mu);
  return state_->cv.wait_for(lock, timeout, [&] { return done(state_->events); });
}

bool SseClient::WaitConnected(std::chrono::milliseconds timeout) {
  std::unique_lock lock(state_->mu);
  state_->cv.wait_for(lock, timeout, [&] { return state_->status != 0; });
  return state_->status == 200;
}

std::vector<SseClient::Event> SseClient::events() {
  std::lock_guard lock(state_->mu);
  return state_->events;
}

long SseClient::status() {
  std::lock_guard lock(state_->mu);
  return state_->status;
}

std::string SseClient::content_type() {
  std::lock_guard lock(state_->mu);
  return state_->content_type;
}

std::string SseClient::raw() {
  std::lock_guard lock(state_->mu);
  return state_->raw;
}

}  // namespace ordo::itest
