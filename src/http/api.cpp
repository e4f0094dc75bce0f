#include "http/api.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <charconv>
#include <unordered_map>
#include <nlohmann/json.hpp>

#include "assets/assets.h"
#include "base/ids.h"
#include "base/json_writer.h"
#include "base/text.h"
#include "http/json_io.h"
#include "http/problem.h"
#include "store/codec.h"

namespace ordo::http {

using nlohmann::json;

namespace {

constexpr const char* kJson = "application/json";

bool ValidRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  return true;
}

// W3C traceparent: 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>
std::string TraceId(std::string_view tp) {
  if (tp.size() < 55 || tp[2] != '-' || tp[35] != '-') return {};
  std::string_view trace = tp.substr(3, 32);
  for (char c : trace)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return {};
  if (trace == "00000000000000000000000000000000") return {};
  return std::string(trace);
}

bool ValidIdempotencyKey(std::string_view key) {
  if (key.empty() || key.size() > 255) return false;
  for (char c : key)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

bool IsJsonMediaType(std::string_view ct) {
  std::string_view base = ct.substr(0, ct.find(';'));
  while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
  std::string lower(base);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "application/json" || lower == "application/merge-patch+json";
}

Response Unavailable(const Request& r, const Error& e) { return ErrorResponse(e, r); }

// A found resource is rendered; a missing one is a 404; a storage failure a 503.
template <typename T, typename Render>
void RespondFound(const Result<std::optional<T>>& found, const Request& req, const Respond& respond,
                  const char* missing, Render render) {
  if (!found) return respond(Unavailable(req, found.error()));
  if (!*found) return respond(ProblemResponse(404, "not-found", missing, req));
  respond(render(**found));
}

Response Body(std::string body) {
  Response res;
  res.body = std::move(body);
  return res;
}

// The "id" of a resource body written by OrderJson, which starts {"id":"…".
std::string IdOf(std::string_view body) {
  constexpr std::string_view kPrefix = R"({"id":")";
  if (body.substr(0, kPrefix.size()) != kPrefix) return {};
  body.remove_prefix(kPrefix.size());
  std::string_view id = body.substr(0, body.find('"'));
  return IsIdentifier(id, 64) ? std::string(id) : std::string();
}

// One Server-Sent Event: the event's sequence number is its SSE id, so a
// client that reconnects with Last-Event-ID resumes exactly after it.
std::string SseFrame(const store::StoredEvent& e) {
  return "id: " + std::to_string(e.seq) + "\nevent: " + e.type + "\ndata: " + Dump(ToJson(e)) + "\n\n";
}

}  // namespace

Api::Api(engine::Engine& engine, events::Hub* hub, Metrics& metrics, ApiOptions options, std::function<bool()> ready)
    : engine_(engine), hub_(hub), metrics_(metrics), options_(std::move(options)), ready_(std::move(ready)) {
  if (!options_.auth) {
    std::string secret = RandomHex(32);
    options_.auth = std::make_shared<auth::Authenticator>(auth::KeySet{}, secret, auth::AuthOptions{});
  }
  options_.auth->SetKeyLookup([this](const std::string& id) { return FindApiKey(id); });
  StartLoginWorker();
  Routes();
}

void Api::Handle(Request& request, Respond respond) {
  std::string_view given = request.Header("x-request-id");
  request.request_id = ValidRequestId(given) ? std::string(given) : RandomHex(8);
  std::string trace = TraceId(request.Header("traceparent"));
  request.correlation_id = trace.empty() ? request.request_id : trace;
  // Every answer leaves through Decorate (security headers, CORS).
  std::string origin = options_.cors_origins.empty() ? std::string() : std::string(request.Header("origin"));
  respond = [this, origin = std::move(origin), respond = std::move(respond)](Response r) {
    Decorate(origin, r);
    respond(std::move(r));
  };
  if (request.method == "OPTIONS" && !request.Header("access-control-request-method").empty()) {
    request.route = "(cors-preflight)";
    Response r;
    r.status = 204;
    r.content_type.clear();
    if (AllowedOrigin(request.Header("origin")).empty()) r.status = 403;
    else {
      r.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE");
      r.headers.emplace_back("Access-Control-Allow-Headers",
                             "Authorization, Content-Type, Idempotency-Key, Last-Event-ID, X-Request-Id, traceparent");
      r.headers.emplace_back("Access-Control-Max-Age", "600");
    }
    respond(std::move(r));
    return;
  }
  if ((request.method == "POST" || request.method == "PUT" || request.method == "PATCH") && !request.body.empty() &&
      !IsJsonMediaType(request.Header("content-type"))) {
    request.route = "(unsupported-media-type)";
    respond(ProblemResponse(415, "unsupported-media-type", "send the body as application/json", request));
    return;
  }
  router_.Dispatch(request, std::move(respond));
}

std::string Api::AllowedOrigin(std::string_view origin) const {
  if (origin.empty()) return {};
  for (const auto& allowed : options_.cors_origins)
    if (allowed == "*" || allowed == origin) return std::string(origin);
  return {};
}

void Api::Decorate(std::string_view request_origin, Response& r) const {
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  if (r.content_type.rfind("text/html", 0) == 0)
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; "
                           "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                           "frame-ancestors 'none'");
  else
    r.headers.emplace_back("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  bool cached = false;
  for (const auto& [name, value] : r.headers) cached = cached || name == "Cache-Control";
  if (!cached) r.headers.emplace_back("Cache-Control", "no-store");
  std::string origin = AllowedOrigin(request_origin);
  if (!origin.empty()) {
    r.headers.emplace_back("Access-Control-Allow-Origin", origin);
    r.headers.emplace_back("Access-Control-Expose-Headers",
                           "Location, Retry-After, Idempotent-Replayed, X-Request-Id");
  }
  if (!options_.cors_origins.empty()) r.headers.emplace_back("Vary", "Origin");
}

void Api::Route(const std::string& method, const std::string& pattern, Handler handler) {
  const AccessRule* rule = FindAccessRule(method, pattern);
  // Every route has a rule of the published matrix: a missing one is a bug
  // caught at start (and by api_routes_test), never an open door.
  if (!rule) throw std::logic_error("no access rule for " + method + " " + pattern);
  router_.Add(method, pattern, [this, rule, handler = std::move(handler)](Request& req, Respond respond) {
    if (!Admit(req, respond, *rule)) return;
    handler(req, std::move(respond));
  });
}

bool Api::Admit(Request& req, const Respond& respond, const AccessRule& rule) {
  Timestamp now = engine_.clock().Now();
  auto principal = options_.auth->Authenticate(req.Header("authorization"), now / 1000);
  bool public_route = rule.anonymous == Access::kAll;
  if (!principal && !public_route) {
    Response r = ErrorResponse(principal.error(), req);
    r.headers.emplace_back("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    respond(std::move(r));
    return false;
  }
  req.principal = principal ? std::move(*principal) : auth::Principal{};
  bool staff = req.principal.role == auth::Role::kAdmin || req.principal.role == auth::Role::kSeller ||
               req.principal.role == auth::Role::kIntegration;
  std::string key = req.principal.role == auth::Role::kAnonymous ? "ip:" + req.remote : req.principal.Id();
  int retry_after = 1;
  if (rule.pattern != "/livez" && rule.pattern != "/readyz" &&
      !limiter_.Allow(key, staff ? options_.staff_limit : options_.customer_limit, now, &retry_after)) {
    Response r = ErrorResponse(Error::Exhausted("rate-limited", "too many requests; retry after " +
                                                                    std::to_string(retry_after) + " s"), req);
    r.headers.emplace_back("Retry-After", std::to_string(retry_after));
    respond(std::move(r));
    return false;
  }
  if (AccessFor(rule, req.principal) == Access::kNone) {
    if (req.principal.role == auth::Role::kAnonymous) {
      Response r = ErrorResponse(Error::Unauthenticated("this needs a bearer token (POST /v1/auth/token) or an API key"), req);
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      respond(std::move(r));
    } else {
      auth::Role role = req.principal.role;
      respond(ErrorResponse(Error::Forbidden(std::string(role == auth::Role::kAdmin || role == auth::Role::kIntegration
                                                             ? "an "
                                                             : "a ") +
                                             auth::RoleName(role) + (role == auth::Role::kIntegration ? " key" : "") +
                                             " may not do this"),
                            req));
    }
    return false;
  }
  return true;
}

bool Api::Owns(const auth::Principal& p, const domain::Order& o) {
  switch (p.role) {
    case auth::Role::kAdmin: return true;
    case auth::Role::kCustomer: return !o.customer_id.empty() && o.customer_id == p.customer_id;
    case auth::Role::kSeller:
      for (const auto& a : o.allocations)
        if (p.HasLocation(a.location_id)) return true;
      return false;
    default: return false;
  }
}

events::Keep Api::OwnOrders(const auth::Principal& principal) {
  // Whose each order is, remembered per stream: its first event costs a read,
  // the rest a lookup. Only the hub's thread calls it.
  auto known = std::make_shared<std::unordered_map<std::string, bool>>();
  return [principal, known](const store::StoredEvent& e, store::ReadView& view) {
    if (e.order_id.empty()) return false;  // stock, configuration: not an order's
    if (auto it = known->find(e.order_id); it != known->end()) return it->second;
    auto order = view.GetOrder(e.order_id);
    if (!order) return false;  // unreadable now: left out, not remembered
    bool own = *order && Owns(principal, **order);
    if (known->size() >= 100'000) known->clear();
    known->emplace(e.order_id, own);
    return own;
  };
}

bool Api::SellerMayTouch(const Request& req, const Respond& respond, const std::string& location_id,
                         const std::string& pointer) {
  if (req.principal.role != auth::Role::kSeller || req.principal.HasLocation(location_id)) return true;
  respond(ErrorResponse(Error::Forbidden("the location " + location_id + " is not one of yours", pointer), req));
  return false;
}

std::optional<auth::ApiKey> Api::FindApiKey(const std::string& id) {
  for (const auto& k : options_.process_keys)
    if (k.id == id) return k;
  std::lock_guard lock(api_keys_mu_);
  Timestamp now = engine_.clock().Now();
  if (api_keys_read_at_ < 0 || now - api_keys_read_at_ >= 1000) {
    if (auto view = engine_.Read())
      if (auto doc = (*view)->GetConfig("api_keys"); doc) {
        auto keys = *doc ? auth::DecodeApiKeys((**doc).body) : std::vector<auth::ApiKey>{};
        if (keys) {
          api_keys_ = std::move(*keys);
          api_keys_read_at_ = now;
        }
      }
  }
  for (const auto& k : api_keys_)
    if (k.id == id) return k;
  return std::nullopt;
}

std::unique_ptr<store::ReadView> Api::OrderView(Request& req, const Respond& respond) {
  auto view = engine_.Read();
  if (!view) return respond(Unavailable(req, view.error())), nullptr;
  auto o = (*view)->GetOrder(req.params["id"]);
  if (!o) return respond(Unavailable(req, o.error())), nullptr;
  if (!*o || !Owns(req.principal, **o))
    return respond(ProblemResponse(404, "not-found", "no order with that id", req)), nullptr;
  return std::move(*view);
}

void Api::Stream(Request& req, Respond respond, std::string order_id) {
  if (!hub_) return respond(ProblemResponse(503, "unavailable", "live streams are not available", req));
  // Resume point: the Last-Event-ID header (EventSource sends it on reconnect), else ?after=.
  std::string given(req.Header("last-event-id"));
  const char* pointer = "/Last-Event-ID";
  if (given.empty() && req.HasQuery("after")) {
    given = req.Query("after");
    pointer = "/after";
  }
  std::optional<std::int64_t> after;
  if (!given.empty()) {
    std::int64_t v = -1;
    auto [ptr, ec] = std::from_chars(given.data(), given.data() + given.size(), v);
    if (ec != std::errc() || ptr != given.data() + given.size() || v < 0)
      return respond(ErrorResponse(Error::Invalid(pointer, "must be an event sequence number (a whole number >= 0)"), req));
    after = v;
  }
  Response res;
  res.content_type = "text/event-stream";
  res.body = "retry: 2000\n: connected\n\n";
  // The whole log is an admin's; a customer or a seller who asks for it
  // follows the events of their own orders only (GET /v1/orders, live).
  events::Keep keep;
  if (order_id.empty() && req.principal.role != auth::Role::kAdmin) keep = OwnOrders(req.principal);
  res.stream = [hub = hub_, order_id = std::move(order_id), after, keep](std::shared_ptr<StreamSink> sink) {
    hub->Subscribe(order_id, after, [sink](const store::StoredEvent* e) {
      return sink->Push(e ? SseFrame(*e) : std::string(": keep-alive\n\n"));
    }, keep);
  };
  respond(std::move(res));
}

bool Api::ClaimKey(const std::string& scoped) {
  std::lock_guard lock(keys_mu_);
  return keys_in_flight_.insert(scoped).second;
}

void Api::ReleaseKey(const std::string& scoped) {
  std::lock_guard lock(keys_mu_);
  keys_in_flight_.erase(scoped);
}

void Api::Submit(Request& request, Respond respond, engine::CommandBody body, Render render,
                 std::string location_prefix, std::function<Error(Error)> map_error) {
  engine::Meta meta;
  meta.correlation_id = request.correlation_id;
  meta.causation_id = "req:" + request.request_id;
  meta.principal = request.principal.Id();
  std::string_view key = request.Header("idempotency-key");
  std::string scoped;
  if (!key.empty()) {
    if (!ValidIdempotencyKey(key)) {
      respond(ProblemResponse(422, "validation", "Idempotency-Key must be 1-255 visible ASCII characters", request));
      return;
    }
    meta.idempotency_key = std::string(key);
    meta.request_hash = auth::Sha256Hex({request.method, "\n", request.path, "\n", request.body, "\n"});
    scoped = meta.principal + '\n' + meta.idempotency_key;
    if (!ClaimKey(scoped)) {
      Error e{Code::kAborted, "idempotency-key-in-flight", "a request with this Idempotency-Key is still running", "", {}};
      respond(ErrorResponse(e, request));
      return;
    }
  }
  // With an Idempotency-Key the reply is rendered on the writer thread inside
  // the batch (it is stored with the commit); otherwise on this connection's io
  // thread after the commit. Either way only what the closures hold by value is used.
  // One shared reply context per request: the closures below only copy a pointer.
  struct Context {
    Render render;
    Request snapshot;  // path and request id, for problem bodies
    std::string location_prefix;
    Respond respond;
    std::string scoped_key;
    std::function<Error(Error)> map_error;
    engine::Reply ToReply(const engine::Outcome& outcome) const {
      Response r = outcome.result.ok() ? render(outcome)
                   : map_error      ? ErrorResponse(map_error(outcome.result.error()), snapshot)
                                    : ErrorResponse(outcome.result.error(), snapshot);
      return engine::Reply{r.status, std::move(r.body), false, std::move(r.headers)};
    }
  };
  auto ctx = std::make_shared<Context>();
  ctx->render = std::move(render);
  ctx->snapshot.path = request.path;
  ctx->snapshot.request_id = request.request_id;
  ctx->location_prefix = std::move(location_prefix);
  ctx->respond = std::move(respond);
  ctx->scoped_key = std::move(scoped);
  ctx->map_error = std::move(map_error);
  auto to_reply = [ctx](const engine::Outcome& outcome) { return ctx->ToReply(outcome); };
  auto done = [this, post = request.post, ctx](engine::Completion c) {
    if (!ctx->scoped_key.empty()) ReleaseKey(ctx->scoped_key);
    post([ctx, c = std::move(c)] {
      engine::Reply reply = c.reply ? *c.reply : ctx->ToReply(c.outcome);
      Response r;
      r.status = reply.status;
      r.content_type = reply.status >= 400 ? "application/problem+json" : kJson;
      r.body = std::move(reply.body);
      r.headers = std::move(reply.headers);
      if (reply.replayed) r.headers.emplace_back("Idempotent-Replayed", "true");
      if (r.status == 201 && !ctx->location_prefix.empty()) {
        std::string id = IdOf(r.body);
        if (!id.empty()) r.headers.emplace_back("Location", ctx->location_prefix + id);
      }
      ctx->respond(std::move(r));
    });
  };
  engine_.Submit({std::move(body), std::move(meta), std::move(to_reply), std::move(done)});
}

namespace {

// Paths that belong to the API or to operations: never answered with the dashboard.
bool IsServerPath(std::string_view path) {
  auto under = [&](std::string_view prefix) {
    return path == prefix || (path.size() > prefix.size() && path.substr(0, prefix.size()) == prefix &&
                              path[prefix.size()] == '/');
  };
  return under("/v1") || under("/docs") || under("/metrics") || under("/livez") || under("/readyz") ||
         under("/openapi.json");
}

Handler DashboardHandler() {
  return [](Request& req, Respond respond) {
    const std::string& path = req.path;
    Response res;
    if (IsServerPath(path)) return respond(ProblemResponse(404, "not-found", "no such resource", req));
    if (auto file = assets::FindDashboard(path); file && path != "/index.html") {
      res.content_type = std::string(file->content_type);
      res.body = std::string(file->body);
      bool hashed = path.rfind("/assets/", 0) == 0;
      res.headers.emplace_back("Cache-Control", hashed ? "public, max-age=31536000, immutable" : "no-cache");
      return respond(std::move(res));
    }
    // A file name (a dot in the last segment) that the dashboard lacks: a 404, not the page.
    std::size_t slash = path.rfind('/');
    if (path.find('.', slash == std::string::npos ? 0 : slash) != std::string::npos && path != "/index.html")
      return respond(ProblemResponse(404, "not-found", "no such resource", req));
    assets::Asset index = assets::DashboardIndex();
    res.content_type = std::string(index.content_type);
    res.body = std::string(index.body);
    res.headers.emplace_back("Cache-Control", "no-cache");
    respond(std::move(res));
  };
}

}  // namespace

void Api::Idempotent(Request& request, Respond respond, std::function<void(Respond)> work) {
  std::string_view key = request.Header("idempotency-key");
  if (key.empty()) return work(std::move(respond));
  if (!ValidIdempotencyKey(key))
    return respond(ProblemResponse(422, "validation", "Idempotency-Key must be 1-255 visible ASCII characters", request));
  engine::Meta meta;
  meta.correlation_id = request.correlation_id;
  meta.causation_id = "req:" + request.request_id;
  meta.principal = request.principal.Id();
  meta.idempotency_key = std::string(key);
  meta.request_hash = auth::Sha256Hex({request.method, "\n", request.path, "\n", request.body, "\n"});
  std::string scoped = meta.principal + '\n' + meta.idempotency_key;
  if (!ClaimKey(scoped))
    return respond(ErrorResponse(
        {Code::kAborted, "idempotency-key-in-flight", "a request with this Idempotency-Key is still running", "", {}},
        request));
  auto replay = [](const engine::Reply& reply) {
    Response r;
    r.status = reply.status;
    r.content_type = reply.status >= 400 ? "application/problem+json" : kJson;
    r.body = reply.body;
    r.headers.emplace_back("Idempotent-Replayed", "true");
    return r;
  };
  {
    auto view = engine_.Read();
    if (!view) return ReleaseKey(scoped), respond(ErrorResponse(view.error(), request));
    auto stored = (*view)->GetIdempotency(meta.principal, meta.idempotency_key);
    if (!stored) return ReleaseKey(scoped), respond(ErrorResponse(stored.error(), request));
    if (*stored) {
      ReleaseKey(scoped);
      if ((*stored)->request_hash != meta.request_hash)
        return respond(ErrorResponse({Code::kInvalidArgument, "idempotency-key-reused",
                                      "this Idempotency-Key was used with a different request", "", {}},
                                     request));
      return respond(replay({(*stored)->status, (*stored)->body, true}));
    }
  }
  work([this, meta = std::move(meta), scoped, respond, replay](Response r) mutable {
    if (r.status / 100 != 2 && r.status != 409) {  // refused input and failures are not remembered
      ReleaseKey(scoped);
      return respond(std::move(r));
    }
    auto answer = std::make_shared<Response>(std::move(r));
    engine_.Submit({engine::RememberReply{}, std::move(meta),
                    [answer](const engine::Outcome&) { return engine::Reply{answer->status, answer->body}; },
                    [this, scoped, respond, replay, answer](engine::Completion c) {
                      ReleaseKey(scoped);
                      if (c.reply && c.reply->replayed) return respond(replay(*c.reply));  // another node's, first
                      respond(std::move(*answer));  // stored, or not storable (the error is only logged)
                    }});
  });
}

void Api::Routes() {

  // ---- operations
  Route("GET", "/livez", [](Request&, Respond respond) { respond(JsonResponse(200, {{"status", "ok"}})); });
  Route("GET", "/readyz", [this](Request&, Respond respond) {
    bool ready = ready_ && ready_();
    respond(JsonResponse(ready ? 200 : 503, {{"status", ready ? "ready" : "not ready"}}));
  });
  Route("GET", "/metrics", [this](Request&, Respond respond) {
    metrics_.SetQueueDepth(engine_.queue_depth());
    if (auto view = engine_.Read())
      if (auto counts = (*view)->CountJobs()) metrics_.SetJobCounts(*counts);
    if (breakers_) metrics_.SetBreakers(breakers_());
    Response res;
    res.content_type = "text/plain; version=0.0.4";
    res.body = metrics_.Render();
    respond(std::move(res));
  });
  auto asset = [](Request& req, Respond respond) {
    auto a = assets::Find(req.path);
    if (!a) return respond(ProblemResponse(404, "not-found", "no such resource", req));
    Response res;
    res.content_type = std::string(a->content_type);
    res.body = std::string(a->body);
    res.headers.emplace_back("Cache-Control", "public, max-age=300");
    respond(std::move(res));
  };
  Route("GET", "/openapi.json", asset);
  Route("GET", "/docs", asset);
  Route("GET", "/docs/{file}", asset);
  // The dashboard (web/): "/" and every client-side route get its index.html; its files are named
  // by content hash under /assets/ and cached for a year. "/{page}" and "/{page}/{id}" are
  // registered last (end of Routes()) so that every API route matches first.
  Route("GET", "/", DashboardHandler());

  // ---- catalogue
  // PUT of a resource named in the path: a bad name is a 422 at /<param>, the
  // body is parsed strictly, and the answer is 201 when the resource is new.
  auto upsert = [this](std::string param, auto valid, auto parse, auto command_of) {
    return [this, param, valid, parse, command_of](Request& req, Respond respond) {
      auto body = ParseBody(req.body, false);
      if (!body) return respond(ErrorResponse(body.error(), req));
      const std::string& name = req.params[param];
      if (!valid(name))
        return respond(ProblemResponse(
            422, "validation", "the " + param + " in the path must be 1-64 characters of [A-Za-z0-9._:-]", req,
            "/" + param));
      auto parsed = parse(*body, name);
      if (!parsed) return respond(ErrorResponse(parsed.error(), req));
      using Resource = std::decay_t<decltype(*parsed)>;
      Submit(req, std::move(respond), command_of(std::move(*parsed)), [](const engine::Outcome& o) {
        return JsonResponse(o.created ? 201 : 200, ToJson(std::get<Resource>(o.result.value())));
      });
    };
  };

  Route("PUT", "/v1/products/{sku}",
        upsert("sku", domain::IsSku, ParseProduct, [](domain::Product p) { return engine::PutProduct{std::move(p)}; }));
  Route("GET", "/v1/products", [this](Request& req, Respond respond) {
    auto limit = PageLimit(req);
    if (!limit) return respond(ErrorResponse(limit.error(), req));
    auto view = engine_.Read();
    if (!view) return respond(Unavailable(req, view.error()));
    auto cursor = QueryFilter(req, "cursor", 64);
    if (!cursor) return respond(ErrorResponse(cursor.error(), req));
    auto page = (*view)->ListProducts({*limit, *cursor});
    if (!page) return respond(Unavailable(req, page.error()));
    json items = json::array();
    for (const auto& p : page->items) items.push_back(ToJson(p));
    respond(JsonResponse(200, {{"items", items}, {"next_cursor", page->next_cursor.empty() ? json(nullptr) : json(page->next_cursor)}}));
  });
  Route("GET", "/v1/products/{sku}", [this](Request& req, Respond respond) {
    auto view = engine_.Read();
    if (!view) return respond(Unavailable(req, view.error()));
    RespondFound((*view)->GetProduct(req.params["sku"]), req, respond, "no product with that sku",
                 [](const domain::Product& p) { return JsonResponse(200, ToJson(p)); });
  });

  // ---- locations
  Route("PUT", "/v1/locations/{id}", upsert("id", domain::IsLocationId, ParseLocation, [](domain::Location l) {
          return engine::PutLocation{std::move(l)};
        }));
  Route("GET", "/v1/locations", [this](Request& req, Respond respond) {
    auto view = engine_.Read();
    if (!view) return respond(Unavailable(req, view.error()));
    auto all = (*view)->ListLocations();
    if (!all) return respond(Unavailable(req, all.error()));
    json items = json::array();
    for (const auto& l : *all) items.push_back(ToJson(l));
    respond(JsonResponse(200, {{"items", items}}));
  });
  Route("GET", "/v1/locations/{id}", [this](Request& req, Respond respond) {
    auto view = engine_.Read();
    if (!view) return respond(Unavailable(req, view.error()));
    RespondFound((*view)->GetLocation(req.params["id"]), req, respond, "no location with that id",
                 [](const domain::Location& l) { return JsonResponse(200, ToJson(l)); });
  });

  // ---- stock
  auto render_stock = [](const engine::Outcome& o) {
    return JsonResponse(200, ToJson(std::get<domain::StockLevel>(o.result.value())));
  };
  Route("PUT", "/v1/stock/{location_id}/{sku}", [this, render_stock](Request& req, Respond respond) {
    auto body = ParseBody(req.body, false);
    if (!body) return respond(ErrorResponse(body.error(), req));
    const std::string& location_id = req.params["location_id"];
    const std::string& sku = req.params["sku"];
    if (!domain::IsLocationId(location_id) || !domain::IsSku(sku))
      return respond(ProblemResponse(404, "not-found", "no such location or sku", req));
    if (!SellerMayTouch(req, respond, location_id, "/location_id")) return;
    auto set = ParseStockSet(*body, location_id, sku);
    if (!set) return respond(ErrorResponse(set.error(), req));
    Submit(req, std::move(respond), std::move(*set), render_stock);
  });
  Route("POST", "/v1/stock/adjustments", [this, render_stock](Request& req, Respond respond) {
    auto body = ParseBody(req.body, false);
    if (!body) return respond(ErrorResponse(body.error(), req));
    auto adjustment = ParseAdjustment(*body);
    if (!adjustment) return respond(ErrorResponse(adjustment.error(), req));
    if (!SellerMayTouch(req, respond, adjustment->location_id, "/location_id")) return;
    Submit(req, std::move(respond), std::move(*adjustment), render_stock);
  });
  Route("GET", "/v1/stock", [this](Request& req, Respond respond) {
    auto sku = QueryFilter(req, "sku", 64);
    if (!sku) return respond(ErrorResponse(sku.error(), req));
    auto location = QueryFilter(req, "location_id", 64);
    if (!location) return respond(ErrorResponse(location.error(), req));
    auto view = engine_.Read();
    if (!view) return respond(Unavailable(req, view.error()));
    auto rows = (*view)->QueryStock(*sku, *location);
    if (!rows) return respond(Unavailable(req, rows.error()));
    json items = json::array();
    for (const auto& s : *rows)
      if (req.principal.role != auth::Role::kSeller || req.principal.HasLocation(s.location_id)) items.push_back(ToJson(s));
    respond(JsonResponse(200, {{"items", items}}));
  });
  Route("GET", "/v1/reservations", [this](Request& req, Respond respond) {
    auto order_id = QueryFilter(req, "order_id");
    if (!order_id) return respond(ErrorResponse(order_id.error(), req));
    std::string state = req.Query("state");
    domain::ReservationState parsed;
    if (!state.empty() && !domain::ParseReservationState(state, &parsed))
      return respond(ProblemResponse(422, "validation", "state must be pending, committed, released or expired", req, "/state"));
    auto view = engine_.Read();
    if (!view) return respond(Unavailable(req, view.error()));
    auto rows = (*view)->ListReservations(*order_id, state);
    if (!rows) return respond(Unavailable(req, rows.error()));
    json items = json::array();
    for (const auto& res : *rows)
      if (req.principal.role != auth::Role::kSeller || req.principal.HasLocation(res.location_id))
        items.push_back(ToJson(res));
    respond(JsonResponse(200, {{"items", items}}));
  });

  // ---- orders
  Route("POST", "/v1/orders", [this](Request& req, Respond respond) {
    auto body = ParseBody(req.body, false);
    if (!body) return respond(ErrorResponse(body.error(), req));
    auto order = ParseOrder(*body);
    if (!order) return respond(ErrorResponse(order.error(), req));
    engine::OpenHoldLimit limit;
    if (req.principal.role == auth::Role::kCustomer) {
      // A customer orders for themselves: the customer id is the token's.
      if (!order->customer_id.empty() && order->customer_id != req.principal.customer_id)
        return respond(ErrorResponse(
            Error::Forbidden("a customer orders for themselves; leave customer_id out", "/customer_id"), req));
      order->customer_id = req.principal.customer_id;
      limit = {options_.max_open_orders, options_.max_open_units};
    }
    auto point = engine_.PrepareOrder(*order);
    if (!point) return respond(ErrorResponse(point.error(), req));
    Submit(req, std::move(respond), engine::PlaceOrder{std::move(*order), *point, limit}, [](const engine::Outcome& o) {
      Response res = Body(OrderJson(std::get<domain::Order>(o.result.value())));
      res.status = 201;
      return res;
    }, "/v1/orders/");
  });
  if (options_.bench_echo) {
    Route("POST", "/v1/echo", [this](Request& req, Respond respond) {
      auto body = ParseBody(req.body, false);
      if (!body) return respond(ErrorResponse(body.error(), req));
      auto order = ParseOrder(*body);
      if (!order) return respond(ErrorResponse(order.error(), req));
      auto point = engine_.PrepareOrder(*order);
      if (!point) return respond(ErrorResponse(point.error(), req));
      respond(JsonResponse(200, {{"ok", true}, {"lines", order->lines.size()}}));
    });
  }
  Route("GET", "/v1/orders", [this](Request& req, Respond respond) {
    auto limit = PageLimit(req);
    if (!limit) return respond(ErrorResponse(limit.error(), req));
    auto status = QueryFilter(req, "status", 64);
    if (!status) return respond(ErrorResponse(status.error(), req));
    auto customer = QueryFilter(req, "customer_id");
    if (!customer) return respond(ErrorResponse(customer.error(), req));
    auto external = QueryFilter(req, "external_id", 128);
    if (!external) return respond(ErrorResponse(external.error(), req));
    auto wms = QueryFilter(req, "wms_state", 16);
    if (wms && !wms->empty() && !domain::wms_state::Known(*wms))
      wms = Error::Invalid("/wms_state", "must be one of none, queued, retrying, acknowledged, failed");
    if (!wms) return respond(ErrorResponse(wms.error(), req));
    auto cursor = QueryFilter(req, "cursor", 64);
    if (!cursor) return respond(ErrorResponse(cursor.error(), req));
    auto view = engine_.Read();
    if (!view) return respond(Unavailable(req, view.error()));
    store::OrderFilter filter{*status, *customer, {*limit, *cursor}, {}, *external, *wms};
    // "own": a customer's list holds their orders, a seller's those allocated to their locations.
    const auth::Principal& p = req.principal;
    if (p.role == auth::Role::kCustomer) {
      if (!filter.customer_id.empty() && filter.customer_id != p.customer_id)
        return respond(Body(R"({"items":[],"next_cursor":null})"));
      filter.customer_id = p.customer_id;
    }
    if (p.role == auth::Role::kSeller) {
      if (p.locations.empty()) return respond(Body(R"({"items":[],"next_cursor":null})"));
      filter.location_ids = p.locations;
    }
    auto page = (*view)->ListOrders(filter);
    if (!page) return respond(Unavailable(req, page.error()));
    JsonWriter w;
    w.BeginObject().Key("items").BeginArray();
    for (const auto& o : page->items) w.Raw(OrderJson(o));
    w.EndArray().Key("next_cursor").StringOrNull(page->next_cursor).EndObject();
    respond(Body(w.Take()));
  });
  Route("GET", "/v1/orders/{id}", [this](Request& req, Respond respond) {
    auto view = engine_.Read();
    if (!view) return respond(Unavailable(req, view.error()));
    auto order = (*view)->GetOrder(req.params["id"]);
    if (!order) return respond(Unavailable(req, order.error()));
    if (!*order || !Owns(req.principal, **order))
      return respond(ProblemResponse(404, "not-found", "no order with that id", req));
    respond(Body(OrderJson(**order)));
  });
  Route("GET", "/v1/orders/{id}/events", [this](Request& req, Respond respond) {
    auto view = OrderView(req, respond);
    if (!view) return;
    auto events = view->OrderEvents(req.params["id"]);
    if (!events) return respond(Unavailable(req, events.error()));
    json items = json::array();
    for (const auto& e : *events) items.push_back(ToJson(e));
    respond(JsonResponse(200, {{"items", items}}));
  });
  Route("GET", "/v1/orders/{id}/stream", [this](Request& req, Respond respond) {
    if (!OrderView(req, respond)) return;  // the view goes back to the pool before the stream starts
    Stream(req, std::move(respond), req.params["id"]);
  });
  Route("GET", "/v1/events/stream", [this](Request& req, Respond respond) { Stream(req, std::move(respond), ""); });
  LifecycleRoutes();
  JobRoutes();
  ConfigRoutes();
  WebhookRoutes();
  AuthRoutes();
  IntegrationRoutes();
  OperationsRoutes();
  // Last: the dashboard's client-side routes (see "/" above). Only a GET that no route above
  // matched gets here; API paths among them are still a 404 problem.
  Route("GET", "/{page}", DashboardHandler());
  Route("GET", "/{page}/{id}", DashboardHandler());
}

namespace {
Response OrderBody(const engine::Outcome& o) { return Body(OrderJson(std::get<domain::Order>(o.result.value()))); }
}  // namespace

// POST /v1/orders/{id}/<verb>: parse the body into a command, submit it, answer with the order.
template <typename Parse>
void Api::OrderAction(const char* verb, Parse parse) {
  Route("POST", std::string("/v1/orders/{id}/") + verb, [this, parse](Request& req, Respond respond) {
    auto body = ParseBody(req.body, true);
    if (!body) return respond(ErrorResponse(body.error(), req));
    Result<engine::CommandBody> command = parse(*body, req.params["id"]);
    if (!command) return respond(ErrorResponse(command.error(), req));
    if (req.principal.role != auth::Role::kAdmin && !OrderView(req, respond)) return;  // "own" (404 otherwise)
    Submit(req, std::move(respond), std::move(*command), OrderBody);
  });
}

void Api::LifecycleRoutes() {
  auto only_empty = [](auto make) {
    return [make](const json& body, const std::string& id) -> Result<engine::CommandBody> {
      if (!body.empty()) return Error::Invalid("/" + body.begin().key(), "unknown field " + body.begin().key());
      return engine::CommandBody{make(id)};
    };
  };
  auto lift = [](auto parse) {
    return [parse](const json& body, const std::string& id) -> Result<engine::CommandBody> {
      auto c = parse(body, id);
      if (!c) return c.take_error();
      return engine::CommandBody{std::move(*c)};
    };
  };
  OrderAction("confirm", only_empty([](const std::string& id) { return engine::ConfirmOrder{id}; }));
  OrderAction("deliver", only_empty([](const std::string& id) { return engine::DeliverOrder{id}; }));
  OrderAction("cancel", lift(ParseCancel));
  OrderAction("pay", lift(ParsePay));
  OrderAction("ship", lift(ParseShip));
  // A refund's amount is in the order's currency: read the order first.
  Route("POST", "/v1/orders/{id}/refund", [this](Request& req, Respond respond) {
    auto body = ParseBody(req.body, true);
    if (!body) return respond(ErrorResponse(body.error(), req));
    std::string currency;
    {
      auto view = OrderView(req, respond);
      if (!view) return;
      auto order = view->GetOrder(req.params["id"]);
      if (!order || !*order) return respond(Unavailable(req, Error::Unavailable("order vanished")));
      currency = (*order)->currency;
    }
    auto refund = ParseRefund(*body, req.params["id"], currency);
    if (!refund) return respond(ErrorResponse(refund.error(), req));
    Submit(req, std::move(respond), std::move(*refund), OrderBody);
  });
  Route("PATCH", "/v1/orders/{id}/status", [this](Request& req, Respond respond) {
    auto body = ParseBody(req.body, false);
    if (!body) return respond(ErrorResponse(body.error(), req));
    auto change = ParseStatusChange(*body, req.params["id"]);
    if (!change) return respond(ErrorResponse(change.error(), req));
    if (req.principal.role != auth::Role::kAdmin && !OrderView(req, respond)) return;  // "own" (404 otherwise)
    Submit(req, std::move(respond), std::move(*change), OrderBody);
  });
}

void Api::JobRoutes() {
  Route("GET", "/v1/jobs", [this](Request& req, Respond respond) {
    auto limit = PageLimit(req);
    if (!limit) return respond(ErrorResponse(limit.error(), req));
    auto state = QueryFilter(req, "state", 16);
    if (!state) return respond(ErrorResponse(state.error(), req));
    if (!state->empty() && *state != "queued" && *state != "running" && *state != "done" && *state != "dead")
      return respond(ErrorResponse(Error::Invalid("/state", "state must be queued, running, done or dead"), req));
    auto kind = QueryFilter(req, "kind", 64);
    if (!kind) return respond(ErrorResponse(kind.error(), req));
    auto order_id = QueryFilter(req, "order_id", 64);
    if (!order_id) return respond(ErrorResponse(order_id.error(), req));
    auto cursor = QueryFilter(req, "cursor", 64);
    if (!cursor) return respond(ErrorResponse(cursor.error(), req));
    auto view = engine_.Read();
    if (!view) return respond(Unavailable(req, view.error()));
    auto page = (*view)->ListJobs({*state, *kind, *order_id, {*limit, *cursor}});
    if (!page) return respond(Unavailable(req, page.error()));
    json items = json::array();
    for (const auto& j : page->items) items.push_back(ToJson(j));
    respond(JsonResponse(200, {{"items", items}, {"next_cursor", page->next_cursor.empty() ? json(nullptr) : json(page->next_cursor)}}));
  });
  Route("GET", "/v1/jobs/stats", [this](Request& req, Respond respond) {
    auto view = engine_.Read();
    if (!view) return respond(Unavailable(req, view.error()));
    auto counts = (*view)->CountJobs();
    if (!counts) return respond(Unavailable(req, counts.error()));
    json by_kind = json::object();
    json totals = {{"queued", 0}, {"running", 0}, {"done", 0}, {"dead", 0}};
    for (const auto& c : *counts) {
      if (!by_kind.contains(c.kind)) by_kind[c.kind] = {{"queued", 0}, {"running", 0}, {"done", 0}, {"dead", 0}};
      by_kind[c.kind][c.state] = c.count;
      totals[c.state] = totals[c.state].get<std::int64_t>() + c.count;
    }
    json breakers = json::object();
    if (breakers_)
      for (const auto& [name, state] : breakers_()) breakers[name] = state;
    respond(JsonResponse(200, {{"totals", totals}, {"by_kind", by_kind}, {"breakers", breakers}}));
  });
  Route("GET", "/v1/jobs/{id}", [this](Request& req, Respond respond) {
    auto view = engine_.Read();
    if (!view) return respond(Unavailable(req, view.error()));
    auto job = (*view)->GetJob(req.params["id"]);
    if (!job) return respond(Unavailable(req, job.error()));
    if (!*job) return respond(ErrorResponse(Error::NotFound("no job with that id"), req));
    auto attempts = (*view)->JobAttempts(req.params["id"]);
    if (!attempts) return respond(Unavailable(req, attempts.error()));
    json j = ToJson(**job);
    j["attempt_log"] = json::array();
    for (const auto& a : *attempts) j["attempt_log"].push_back(ToJson(a));
    respond(JsonResponse(200, j));
  });
  Route("POST", "/v1/jobs/{id}/retry", [this](Request& req, Respond respond) {
    auto body = ParseBody(req.body, true);
    if (!body) return respond(ErrorResponse(body.error(), req));
    if (!body->empty()) return respond(ErrorResponse(Error::Invalid("/" + body->begin().key(), "unknown field"), req));
    Submit(req, std::move(respond), engine::RetryJob{req.params["id"]}, [](const engine::Outcome& o) {
      return JsonResponse(200, ToJson(std::get<store::Job>(o.result.value())));
    });
  });
}

void Api::ConfigRoutes() {
  Route("GET", "/v1/config/workflow", [this](Request& req, Respond respond) {
    auto view = engine_.Read();
    if (!view) return respond(Unavailable(req, view.error()));
    auto doc = (*view)->GetConfig("workflow");
    if (!doc) return respond(Unavailable(req, doc.error()));
    if (!*doc) return respond(Body(store::EncodeWorkflow(domain::DefaultWorkflow())));
    auto wf = store::DecodeWorkflow((*doc)->body);
    if (!wf) return respond(Unavailable(req, Error::Internal(wf.error().message)));
    wf->version = (*doc)->version;
    respond(Body(store::EncodeWorkflow(*wf)));
  });
  Route("PUT", "/v1/config/workflow", [this](Request& req, Respond respond) {
    auto body = ParseBody(req.body, false);  // the generic checks: depth, duplicate keys
    if (!body) return respond(ErrorResponse(body.error(), req));
    auto wf = store::DecodeWorkflow(req.body);
    if (!wf) return respond(ErrorResponse(wf.error(), req));
    auto valid = domain::ValidateWorkflow(*wf);
    if (!valid) return respond(ErrorResponse(valid.error(), req));
    engine::PutWorkflow put{std::move(*wf), std::nullopt};
    if (body->contains("version")) put.expected_version = put.workflow.version;
    Submit(req, std::move(respond), std::move(put), [](const engine::Outcome& o) {
      return Body(std::get<store::ConfigDoc>(o.result.value()).body);
    });
  });
  Route("GET", "/v1/config/branding", [this](Request& req, Respond respond) {
    auto view = engine_.Read();
    if (!view) return respond(Unavailable(req, view.error()));
    auto doc = (*view)->GetConfig("branding");
    if (!doc) return respond(Unavailable(req, doc.error()));
    json j = *doc ? json::parse((*doc)->body, nullptr, false)
                  : json{{"shop_name", "Ordo"}, {"logo_url", nullptr}, {"colors", json::object()}};
    if (!j.is_object()) return respond(Unavailable(req, Error::Internal("the stored branding does not parse")));
    j["version"] = *doc ? (*doc)->version : 0;
    respond(JsonResponse(200, j));
  });
  Route("PUT", "/v1/config/branding", [this](Request& req, Respond respond) {
    auto body = ParseBody(req.body, false);
    if (!body) return respond(ErrorResponse(body.error(), req));
    auto branding = ParseBranding(*body);
    if (!branding) return respond(ErrorResponse(branding.error(), req));
    engine::PutConfigDoc put{"branding", Dump(*branding), std::nullopt};
    if (body->contains("version") && (*body)["version"].is_number_integer())
      put.expected_version = (*body)["version"].get<std::int64_t>();
    Submit(req, std::move(respond), std::move(put), [](const engine::Outcome& o) {
      const auto& doc = std::get<store::ConfigDoc>(o.result.value());
      json j = json::parse(doc.body, nullptr, false);
      j["version"] = doc.version;
      return JsonResponse(200, j);
    });
  });
}

namespace {

json SubscriptionJson(const domain::Subscription& s, bool with_secret) {
  json j = {{"id", s.id},
            {"url", s.url},
            {"event_types", s.event_types},
            {"description", s.description.empty() ? json(nullptr) : json(s.description)},
            {"active", s.active},
            {"created_at", FormatTimestamp(s.created_at)}};
  if (with_secret) j["secret"] = s.secret;
  return j;
}

// whsec_ + base64 of 32 random bytes, as Standard Webhooks libraries expect.
std::string NewSecret() {
  unsigned char raw[32];
  RAND_bytes(raw, sizeof raw);
  unsigned char text[64] = {};
  int n = EVP_EncodeBlock(text, raw, sizeof raw);
  return "whsec_" + std::string(reinterpret_cast<char*>(text), static_cast<std::size_t>(n));
}

Result<domain::Subscription> ParseSubscription(const json& body) {
  domain::Subscription s;
  for (const auto& [key, value] : body.items())
    if (key != "url" && key != "event_types" && key != "description" && key != "secret" && key != "active")
      return Error::Invalid("/" + key, "unknown field " + key);
  if (!body.contains("url") || !body["url"].is_string()) return Error::Invalid("/url", "url is required (a string)");
  s.url = body["url"];
  if (!body.contains("event_types") || !body["event_types"].is_array())
    return Error::Invalid("/event_types", "event_types is required (an array of event types)");
  for (std::size_t i = 0; i < body["event_types"].size(); ++i) {
    const json& t = body["event_types"][i];
    if (!t.is_string()) return Error::Invalid("/event_types/" + std::to_string(i), "must be a string");
    s.event_types.push_back(t);
  }
  if (body.contains("description")) {
    if (!body["description"].is_string()) return Error::Invalid("/description", "description must be a string");
    s.description = body["description"];
  }
  if (body.contains("active")) {
    if (!body["active"].is_boolean()) return Error::Invalid("/active", "active must be true or false");
    s.active = body["active"];
  }
  if (body.contains("secret")) {
    if (!body["secret"].is_string() || body["secret"].get<std::string>().size() < 24 ||
        body["secret"].get<std::string>().size() > 200)
      return Error::Invalid("/secret", "secret must be a string of 24 to 200 characters (e.g. whsec_<base64>)");
    s.secret = body["secret"];
  }
  if (auto v = domain::ValidateSubscription(s); !v) return v.take_error();
  return s;
}

}  // namespace

void Api::WebhookRoutes() {
  auto list = [this]() -> Result<std::vector<domain::Subscription>> {
    auto view = engine_.Read();
    if (!view) return view.take_error();
    auto doc = (*view)->GetConfig("webhooks");
    if (!doc) return doc.take_error();
    if (!*doc) return std::vector<domain::Subscription>{};
    return store::DecodeSubscriptions((*doc)->body);
  };
  Route("POST", "/v1/webhooks", [this](Request& req, Respond respond) {
    auto body = ParseBody(req.body, false);
    if (!body) return respond(ErrorResponse(body.error(), req));
    auto sub = ParseSubscription(*body);
    if (!sub) return respond(ErrorResponse(sub.error(), req));
    if (url_guard_)
      if (auto ok = url_guard_(sub->url); !ok) return respond(ErrorResponse(ok.error(), req));
    sub->id = ids_.Next("whk", engine_.clock().Now());
    if (sub->secret.empty()) sub->secret = NewSecret();
    Submit(req, std::move(respond), engine::PutSubscription{std::move(*sub)},
           [](const engine::Outcome& o) {
             return JsonResponse(201, SubscriptionJson(std::get<domain::Subscription>(o.result.value()), true));
           },
           "/v1/webhooks/");
  });
  Route("GET", "/v1/webhooks", [this, list](Request& req, Respond respond) {
    auto subs = list();
    if (!subs) return respond(Unavailable(req, subs.error()));
    json items = json::array();
    for (const auto& s : *subs) items.push_back(SubscriptionJson(s, false));
    respond(JsonResponse(200, {{"items", items}}));
  });
  Route("GET", "/v1/webhooks/{id}", [this, list](Request& req, Respond respond) {
    auto subs = list();
    if (!subs) return respond(Unavailable(req, subs.error()));
    for (const auto& s : *subs)
      if (s.id == req.params["id"]) return respond(JsonResponse(200, SubscriptionJson(s, false)));
    respond(ErrorResponse(Error::NotFound("no webhook subscription with that id"), req));
  });
  Route("DELETE", "/v1/webhooks/{id}", [this](Request& req, Respond respond) {
    Submit(req, std::move(respond), engine::DeleteSubscription{req.params["id"]}, [](const engine::Outcome&) {
      Response res;
      res.status = 204;
      res.content_type.clear();
      return res;
    });
  });
  // The delivery log: each delivery is a job; its attempts say what the receiver answered.
  Route("GET", "/v1/webhooks/{id}/deliveries", [this](Request& req, Respond respond) {
    auto limit = PageLimit(req);
    if (!limit) return respond(ErrorResponse(limit.error(), req));
    auto cursor = QueryFilter(req, "cursor", 64);
    if (!cursor) return respond(ErrorResponse(cursor.error(), req));
    auto view = engine_.Read();
    if (!view) return respond(Unavailable(req, view.error()));
    auto page = (*view)->ListJobs({"", domain::kWebhookDeliveryJob, "", {*limit, *cursor}, "webhook-" + req.params["id"] + "-"});
    if (!page) return respond(Unavailable(req, page.error()));
    json items = json::array();
    for (const auto& j : page->items) {
      json item = ToJson(j);
      auto attempts = (*view)->JobAttempts(j.id);
      if (!attempts) return respond(Unavailable(req, attempts.error()));
      item["attempt_log"] = json::array();
      for (const auto& a : *attempts) item["attempt_log"].push_back(ToJson(a));
      items.push_back(std::move(item));
    }
    respond(JsonResponse(200, {{"items", items}, {"next_cursor", page->next_cursor.empty() ? json(nullptr) : json(page->next_cursor)}}));
  });
}

}  // namespace ordo::http
