#include "integrations/http_client.h"

#include <curl/curl.h>

#include <memory>
#include <mutex>

namespace ordo::integrations {
namespace {

struct EasyFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct ListFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

std::size_t Collect(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// One handle per thread: keeps connections to the same host alive between calls.
CURL* Handle() {
  static std::once_flag global;
  std::call_once(global, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  thread_local std::unique_ptr<CURL, EasyFree> handle(curl_easy_init());
  curl_easy_reset(handle.get());
  return handle.get();
}

}  // namespace

HttpResponse Send(const HttpRequest& request) {
  HttpResponse out;
  CURL* c = Handle();
  if (!c) {
    out.error = "curl: no handle";
    return out;
  }
  std::unique_ptr<curl_slist, ListFree> headers, pins;
  for (const auto& pin : request.resolve) pins.reset(curl_slist_append(pins.release(), pin.c_str()));
  auto add = [&](const std::string& line) { headers.reset(curl_slist_append(headers.release(), line.c_str())); };
  for (const auto& [k, v] : request.headers) add(k + ": " + v);
  if (!request.body.empty()) add("Content-Type: application/json");
  add("Expect:");  // no 100-continue round trip
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (request.method != "GET" && request.method != "HEAD") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_RESOLVE, pins.get());
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, request.timeout_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, request.timeout_ms);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &out.body);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "ordo");
  CURLcode rc = curl_easy_perform(c);
  curl_off_t uploaded = 0;
  curl_easy_getinfo(c, CURLINFO_SIZE_UPLOAD_T, &uploaded);
  curl_off_t connected = 0;
  curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &connected);
  if (rc == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    out.status = static_cast<int>(status);
    out.sent = true;
    return out;
  }
  out.error = curl_easy_strerror(rc);
  out.timed_out = rc == CURLE_OPERATION_TIMEDOUT;
  // Refused or unresolvable: nothing reached the other side. Otherwise the
  // request may have arrived (a request without a body counts once connected).
  bool never_connected = rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
                         (rc == CURLE_OPERATION_TIMEDOUT && connected == 0);
  out.sent = !never_connected && static_cast<std::size_t>(uploaded) >= request.body.size();
  out.body.clear();
  return out;
}

}  // namespace ordo::integrations
