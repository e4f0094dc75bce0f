#include "relay/relay.h"

#include <nats/nats.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <random>
#include <vector>

#include "base/thread_name.h"
#include "relay/cloudevent.h"

namespace ordo::relay {

namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

constexpr const char* kMsgId = "Nats-Msg-Id";
constexpr const char* kExpectedLastSeq = "Nats-Expected-Last-Sequence";
constexpr const char* kExpectedStream = "Nats-Expected-Stream";
constexpr const char* kRelayHeader = "Ordo-Relay";
constexpr const char* kStreamSubjects = "ordo.events.>";
// How far back from the stream's end the relay looks for its last event
// before it gives up (messages of other publishers, deleted messages).
constexpr std::uint64_t kTailScan = 100;

std::string NatsError(natsStatus s, jsErrCode code = static_cast<jsErrCode>(0)) {
  natsStatus last = NATS_OK;
  const char* text = nats_GetLastError(&last);
  std::string out = text && *text ? text : natsStatus_GetText(s);
  if (code != 0) out += " (JetStream error " + std::to_string(static_cast<int>(code)) + ")";
  return out;
}

// "nats://user:secret@host:4222" → "nats://host:4222": for logs.
std::string Redact(const std::string& urls) {
  std::string out;
  std::size_t start = 0;
  while (start <= urls.size()) {
    std::size_t end = urls.find(',', start);
    if (end == std::string::npos) end = urls.size();
    std::string url = urls.substr(start, end - start);
    std::size_t scheme = url.find("://");
    std::size_t host = scheme == std::string::npos ? 0 : scheme + 3;
    std::size_t at = url.find('@', host);
    if (at != std::string::npos) url = url.substr(0, host) + url.substr(at + 1);
    out += (out.empty() ? "" : ",") + url;
    start = end + 1;
  }
  return out;
}

}  // namespace

// One connection to NATS and its JetStream context, and the acks of the
// batch in flight (written by OnAck on a NATS thread).
struct Relay::Session {
  explicit Session(Relay& r) : relay(r) {}
  Relay& relay;
  natsOptions* opts = nullptr;
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  std::atomic<std::uint64_t> disconnects{0};  // a batch that saw one gives up on its acks

  struct Ack {
    bool done = false, ok = false, duplicate = false;
    std::uint64_t stream_seq = 0;
    int error_code = 0;
    std::string error;
  };
  std::mutex mu;
  std::int64_t first = 0;  // the event seq of acks[0]
  std::vector<Ack> acks;

  std::mutex closed_mu;
  std::condition_variable closed_cv;
  bool closed_done = false;

  // nats.c calls back from threads of its own, even while a connection
  // closes: pending publishes are dropped first (their late acks then reach
  // no handler), and the closed callback, which comes after every other
  // connection callback, is awaited before anything is freed.
  ~Session() {
    if (js) {
      natsMsgList pending;
      if (js_PublishAsyncGetPendingList(&pending, js) == NATS_OK) natsMsgList_Destroy(&pending);
    }
    if (nc) {
      natsConnection_Close(nc);
      std::unique_lock lock(closed_mu);
      closed_cv.wait_for(lock, std::chrono::seconds(2), [&] { return closed_done; });
    }
    if (js) jsCtx_Destroy(js);
    if (nc) natsConnection_Destroy(nc);
    if (opts) natsOptions_Destroy(opts);
  }
  bool closed() const { return !nc || natsConnection_IsClosed(nc); }
  bool connected() const { return nc && natsConnection_Status(nc) == NATS_CONN_STATUS_CONNECTED; }

  static void OnDisconnected(natsConnection*, void* closure) { ++static_cast<Session*>(closure)->disconnects; }
  static void OnClosed(natsConnection*, void* closure) {
    auto* self = static_cast<Session*>(closure);
    std::lock_guard lock(self->closed_mu);
    self->closed_done = true;
    self->closed_cv.notify_all();
  }
  static void OnReconnected(natsConnection*, void* closure) { static_cast<Session*>(closure)->relay.Reconnected(); }

  static void OnAck(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* closure) {
    auto* self = static_cast<Session*>(closure);
    const char* id = nullptr;
    std::optional<std::int64_t> seq;
    if (msg && natsMsgHeader_Get(msg, kMsgId, &id) == NATS_OK && id) seq = ParseEventId(id);
    if (seq) {
      std::lock_guard lock(self->mu);
      std::int64_t i = *seq - self->first;
      if (i >= 0 && i < static_cast<std::int64_t>(self->acks.size())) {
        Ack& a = self->acks[static_cast<std::size_t>(i)];
        a.done = true;
        if (pa) {
          a.ok = true;
          a.stream_seq = pa->Sequence;
          a.duplicate = pa->Duplicate;
        } else if (pae) {
          a.error_code = static_cast<int>(pae->ErrCode);
          a.error = pae->ErrText && *pae->ErrText ? pae->ErrText : natsStatus_GetText(pae->Err);
        }
      }
    }
    natsMsg_Destroy(msg);
  }
};

Relay::Relay(store::Store& store, const Clock& clock, Options options)
    : store_(store), clock_(clock), options_(std::move(options)) {
  std::random_device rd;
  instance_ = options_.name + "/" + std::to_string(::getpid()) + "/" + std::to_string(rd() % 1000000);
  options_.batch = std::max(1, options_.batch);
}

Relay::~Relay() { Stop(); }

void Relay::Start() {
  {
    std::lock_guard lock(mu_);
    stop_ = false;
  }
  thread_ = std::thread([this] {
    NameThisThread("ordo-relay");
    Loop();
  });
}

void Relay::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Relay::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

bool Relay::stopping() const {
  std::lock_guard lock(mu_);
  return stop_;
}

void Relay::Sleep(std::chrono::milliseconds d, bool wake) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, d, [&] { return stop_ || reconnected_ || (wake && woken_); });
  reconnected_ = false;
  if (wake) woken_ = false;
}

void Relay::Reconnected() {
  {
    std::lock_guard lock(mu_);
    reconnected_ = true;
  }
  cv_.notify_all();
}

void Relay::SetStatus(const std::function<void(Status&)>& change) {
  Status copy;
  {
    std::lock_guard lock(mu_);
    change(status_);
    copy = status_;
  }
  if (options_.hooks.status) options_.hooks.status(copy);
}

void Relay::Report(bool error, const std::string& message, const std::string& detail) {
  auto now = SteadyClock::now();
  std::string key = message + "\n" + detail;
  if (error && key == last_report_ && now - last_report_at_ < 30s) return;
  last_report_ = error ? key : "";
  last_report_at_ = now;
  if (options_.hooks.log) options_.hooks.log(error, message, detail);
}

Result<std::int64_t> Relay::LogLastSeq() {
  auto view = store_.Read();
  if (!view) return view.take_error();
  return (*view)->LastEventSeq();
}

void Relay::Loop() {
  std::unique_ptr<Session> session;
  std::optional<Tail> tail;
  std::chrono::milliseconds backoff{0};
  bool conflicted = false;                  // the last batch lost to another publisher
  bool standby = false;                     // another relay publishes
  std::uint64_t standby_at = 0;             // standing by: the stream's last sequence when last seen
  bool was_ok = false;

  auto fail = [&](const std::string& message, const std::string& detail) {
    Report(true, message, detail);
    tail.reset();
    was_ok = false;
    backoff = std::clamp(backoff * 2, options_.backoff_min, options_.backoff_max);
    SetStatus([&](Status& s) { s.connected = session && session->connected(); });
    Sleep(backoff, false);
  };

  while (!stopping()) {
    std::string error;
    if (!session || session->closed()) {
      session = Connect(&error);
      if (!session) {
        fail("cannot connect to NATS JetStream", error);
        continue;
      }
      tail.reset();
    }
    if (!session->connected()) {  // the library is reconnecting: wait for it (Reconnected wakes us)
      SetStatus([](Status& st) { st.connected = false; });
      tail.reset();
      Sleep(options_.backoff_max, false);
      continue;
    }
    if (!tail) {
      tail = ReadTail(*session, &error);
      if (!tail) {
        fail("cannot read the position from stream " + options_.stream, error);
        continue;
      }
      if (conflicted && !tail->relay.empty() && tail->relay != instance_ && !standby) {
        standby = true;
        standby_at = tail->stream_seq;
        Report(false, "another relay publishes to stream " + options_.stream + ": standing by", tail->relay);
        SetStatus([](Status& s) { s.active = false; });
      }
      conflicted = false;
      if (!was_ok) {
        Report(false, "relay publishing to NATS JetStream",
               "stream " + options_.stream + " at sequence " + std::to_string(tail->stream_seq) + ", after evt_" +
                   std::to_string(tail->event_seq) + ", " + Redact(options_.url));
        was_ok = true;
      }
      SetStatus([&](Status& s) {
        s.connected = true;
        s.stream_event = tail->event_seq;
      });
    }

    if (standby) {
      // Another node's relay publishes. Take over only when the stream has not
      // moved for a whole period while the log has events it does not have.
      Sleep(options_.standby, false);
      if (stopping()) break;
      tail = ReadTail(*session, &error);
      if (!tail) {
        fail("cannot read the position from stream " + options_.stream, error);
        continue;
      }
      auto log_last = LogLastSeq();
      SetStatus([&](Status& s) {
        s.stream_event = tail->event_seq;
        if (log_last) s.log_event = *log_last;
      });
      if (tail->stream_seq != standby_at || !log_last || *log_last <= tail->event_seq) {
        standby_at = tail->stream_seq;
        continue;
      }
      standby = false;
      Report(false, "taking over: stream " + options_.stream + " stopped moving", "after evt_" + std::to_string(tail->event_seq));
      SetStatus([](Status& s) { s.active = true; });
    }

    switch (Publish(*session, *tail, &error)) {
      case Round::kPublished:
        backoff = 0ms;
        break;
      case Round::kIdle:
        backoff = 0ms;
        Sleep(options_.poll, true);
        break;
      case Round::kConflict:  // read the stream's end again, at once: ours, or another relay's?
        conflicted = true;
        tail.reset();
        break;
      case Round::kFailed:
        fail("publishing to NATS JetStream failed; retrying from the stream's last message", error);
        break;
    }
  }
  session.reset();
  SetStatus([](Status& s) { s.connected = false; });
}

std::unique_ptr<Relay::Session> Relay::Connect(std::string* error) {
  auto session = std::make_unique<Session>(*this);
  natsStatus s = natsOptions_Create(&session->opts);
  natsOptions* o = session->opts;
  std::string name = "ordo relay " + options_.name;
  if (s == NATS_OK) s = natsOptions_SetURL(o, options_.url.c_str());
  if (s == NATS_OK) s = natsOptions_SetName(o, name.c_str());
  if (s == NATS_OK) s = natsOptions_SetTimeout(o, options_.api_timeout.count());
  // Once connected, the library reconnects by itself, for ever; the relay
  // notices the outage through failed or unanswered publishes.
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(o, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(o, 250);
  if (s == NATS_OK) s = natsOptions_SetPingInterval(o, 5000);
  if (s == NATS_OK) s = natsOptions_SetMaxPingsOut(o, 2);
  if (s == NATS_OK) s = natsOptions_SetDisconnectedCB(o, &Session::OnDisconnected, session.get());
  if (s == NATS_OK) s = natsOptions_SetReconnectedCB(o, &Session::OnReconnected, session.get());
  if (s == NATS_OK) s = natsOptions_SetClosedCB(o, &Session::OnClosed, session.get());
  if (s != NATS_OK) {
    *error = "invalid NATS options: " + NatsError(s);
    return nullptr;
  }
  s = natsConnection_Connect(&session->nc, o);
  if (s != NATS_OK) {
    *error = NatsError(s) + " (" + Redact(options_.url) + ")";
    return nullptr;
  }
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = options_.api_timeout.count();
  jo.PublishAsync.MaxPending = options_.batch;
  jo.PublishAsync.AckHandler = &Session::OnAck;
  jo.PublishAsync.AckHandlerClosure = session.get();
  s = natsConnection_JetStream(&session->js, session->nc, &jo);
  if (s != NATS_OK) {
    *error = "JetStream: " + NatsError(s);
    return nullptr;
  }
  if (!EnsureStream(*session, error)) return nullptr;
  return session;
}

// Creates the stream, or brings its subjects and duplicate window to ours
// (every other setting, replicas or limits, stays as the operator made it).
bool Relay::EnsureStream(Session& session, std::string* error) {
  const std::int64_t window_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(options_.duplicate_window).count();
  jsStreamInfo* si = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&si, session.js, options_.stream.c_str(), nullptr, &code);
  if (s == NATS_NOT_FOUND || code == JSStreamNotFoundErr) {
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    const char* subjects[] = {kStreamSubjects};
    cfg.Name = options_.stream.c_str();
    cfg.Description = "Ordo events as CloudEvents (ordo serve --nats)";
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.Storage = js_FileStorage;
    cfg.Retention = js_LimitsPolicy;
    cfg.Duplicates = window_ns;
    code = static_cast<jsErrCode>(0);
    s = js_AddStream(&si, session.js, &cfg, nullptr, &code);
    if (s != NATS_OK && code != JSStreamNameExistErr) {  // another node may have created it just now
      *error = "cannot create stream " + options_.stream + ": " + NatsError(s, code);
      return false;
    }
    if (si) jsStreamInfo_Destroy(si);
    if (s == NATS_OK) Report(false, "created stream " + options_.stream, kStreamSubjects);
    return true;
  }
  if (s != NATS_OK) {
    *error = "cannot read stream " + options_.stream + ": " + NatsError(s, code);
    return false;
  }
  jsStreamConfig cfg = *si->Config;
  std::vector<const char*> subjects(cfg.Subjects, cfg.Subjects + cfg.SubjectsLen);
  bool has_subjects = std::any_of(subjects.begin(), subjects.end(),
                                  [](const char* subject) { return std::string_view(subject) == kStreamSubjects; });
  if (has_subjects && cfg.Duplicates == window_ns) {
    jsStreamInfo_Destroy(si);
    return true;
  }
  if (!has_subjects) subjects.push_back(kStreamSubjects);
  cfg.Subjects = subjects.data();
  cfg.SubjectsLen = static_cast<int>(subjects.size());
  cfg.Duplicates = window_ns;
  jsStreamInfo* updated = nullptr;
  code = static_cast<jsErrCode>(0);
  s = js_UpdateStream(&updated, session.js, &cfg, nullptr, &code);
  jsStreamInfo_Destroy(si);  // after the update: cfg points into it
  if (updated) jsStreamInfo_Destroy(updated);
  if (s != NATS_OK) {
    *error = "cannot update stream " + options_.stream + ": " + NatsError(s, code);
    return false;
  }
  Report(false, "updated stream " + options_.stream, "subjects and duplicate window");
  return true;
}

// The position: the stream's last sequence, and the newest event id among its
// last messages. Only acknowledged messages are in a stream, so whatever is
// after that event has not been published.
std::optional<Relay::Tail> Relay::ReadTail(Session& session, std::string* error) {
  jsStreamInfo* si = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&si, session.js, options_.stream.c_str(), nullptr, &code);
  if ((s == NATS_NOT_FOUND || code == JSStreamNotFoundErr) && EnsureStream(session, error)) {
    // Deleted while we were connected (JetStream recovers its streams before it
    // takes connections, so this is no restart): a new, empty one.
    code = static_cast<jsErrCode>(0);
    s = js_GetStreamInfo(&si, session.js, options_.stream.c_str(), nullptr, &code);
  }
  if (s != NATS_OK) {
    if (error->empty()) *error = NatsError(s, code);
    return std::nullopt;
  }
  Tail tail;
  tail.stream_seq = si->State.LastSeq;
  std::uint64_t first = si->State.FirstSeq;
  jsStreamInfo_Destroy(si);
  if (tail.stream_seq == 0) return tail;  // an empty stream: from the first event on
  for (std::uint64_t seq = tail.stream_seq; seq >= first && seq > 0 && tail.stream_seq - seq < kTailScan; --seq) {
    natsMsg* msg = nullptr;
    code = static_cast<jsErrCode>(0);
    s = js_GetMsg(&msg, session.js, options_.stream.c_str(), seq, nullptr, &code);
    if (s == NATS_NOT_FOUND || code == JSNoMessageFoundErr) continue;  // deleted
    if (s != NATS_OK) {
      *error = NatsError(s, code);
      return std::nullopt;
    }
    const char* id = nullptr;
    std::optional<std::int64_t> event;
    if (natsMsgHeader_Get(msg, kMsgId, &id) == NATS_OK && id) event = ParseEventId(id);
    if (event) {
      const char* relay = nullptr;
      if (natsMsgHeader_Get(msg, kRelayHeader, &relay) == NATS_OK && relay) tail.relay = relay;
      tail.event_seq = *event;
    }
    natsMsg_Destroy(msg);
    if (event) return tail;
  }
  *error = "none of the last messages of stream " + options_.stream +
           " is an Ordo event (Nats-Msg-Id evt_<seq>), so the position is unknown (was the stream purged?). "
           "Delete the stream to publish every event again";
  return std::nullopt;
}

Relay::Round Relay::Publish(Session& session, Tail& tail, std::string* error) {
  std::vector<store::StoredEvent> events;
  std::int64_t log_last = tail.event_seq;
  {
    auto view = store_.Read();
    if (!view) {
      *error = "cannot read the event log: " + view.error().message;
      return Round::kFailed;
    }
    auto got = (*view)->EventsAfter(tail.event_seq, options_.batch);
    if (!got) {
      *error = "cannot read the event log: " + got.error().message;
      return Round::kFailed;
    }
    events = std::move(*got);
    if (events.empty() || static_cast<int>(events.size()) >= options_.batch) {
      auto last = (*view)->LastEventSeq();
      if (last) log_last = std::max(*last, events.empty() ? tail.event_seq : events.back().seq);
      else if (!events.empty()) log_last = events.back().seq;
      if (last && *last < tail.event_seq)
        Report(true, "stream " + options_.stream + " is ahead of the event log (another or a restored database?)",
               "the stream has evt_" + std::to_string(tail.event_seq) + ", the log ends at evt_" +
                   std::to_string(*last) + ": the events in between will not be published");
    } else {
      log_last = events.back().seq;
    }
  }
  SetStatus([&](Status& s) {
    s.connected = session.connected();
    s.stream_event = tail.event_seq;
    s.log_event = log_last;
  });
  if (events.empty()) return Round::kIdle;
  if (events.front().seq != tail.event_seq + 1) {
    *error = "the event log has no evt_" + std::to_string(tail.event_seq + 1);
    return Round::kFailed;
  }

  {
    std::lock_guard lock(session.mu);
    session.first = events.front().seq;
    session.acks.assign(events.size(), {});
  }
  const std::uint64_t disconnects = session.disconnects.load();
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = options_.ack_timeout.count();
  std::size_t sent = 0;
  natsStatus s = NATS_OK;
  for (const auto& e : events) {
    std::string subject = SubjectFor(e.type);
    std::string body = EncodeCloudEvent(e, options_.source);
    std::string id = e.id();
    std::string expected = std::to_string(tail.stream_seq + sent);
    natsMsg* msg = nullptr;
    s = natsMsg_Create(&msg, subject.c_str(), nullptr, body.data(), static_cast<int>(body.size()));
    if (s == NATS_OK) s = natsMsgHeader_Set(msg, kMsgId, id.c_str());
    if (s == NATS_OK) s = natsMsgHeader_Set(msg, kExpectedLastSeq, expected.c_str());
    if (s == NATS_OK) s = natsMsgHeader_Set(msg, kExpectedStream, options_.stream.c_str());
    if (s == NATS_OK) s = natsMsgHeader_Set(msg, "Content-Type", "application/cloudevents+json");
    if (s == NATS_OK) s = natsMsgHeader_Set(msg, kRelayHeader, instance_.c_str());
    if (s == NATS_OK) s = js_PublishMsgAsync(session.js, &msg, &po);
    natsMsg_Destroy(msg);  // nothing when the library took it
    if (s != NATS_OK) break;
    ++sent;
  }
  std::string send_error = s == NATS_OK ? "" : NatsError(s);

  // Wait for the acks, a little at a time so that Stop is never held up long.
  auto deadline = SteadyClock::now() + options_.ack_timeout + 1s;
  jsPubOptions wait;
  jsPubOptions_Init(&wait);
  wait.MaxWait = 100;
  bool complete = sent == 0;
  bool lost = false;  // the connection dropped: acks of this batch may never come
  while (!complete && SteadyClock::now() < deadline && !stopping() && !lost) {
    complete = js_PublishAsyncComplete(session.js, &wait) == NATS_OK;
    lost = session.disconnects.load() != disconnects;
  }
  if (!complete) {  // give up on the rest: the next round starts from the stream's end
    natsMsgList pending;
    if (js_PublishAsyncGetPendingList(&pending, session.js) == NATS_OK) natsMsgList_Destroy(&pending);
  }
  std::vector<Session::Ack> acks;
  {
    std::lock_guard lock(session.mu);
    acks.swap(session.acks);
    session.first = 0;
  }

  // Every message acknowledged as new is in the stream, put there by this relay
  // (with another relay racing, that need not be a prefix of the batch).
  Timestamp now = clock_.Now();
  if (options_.hooks.published)
    for (std::size_t i = 0; i < sent; ++i)
      if (acks[i].ok && !acks[i].duplicate)
        options_.hooks.published(static_cast<double>(std::max<Timestamp>(0, now - events[i].time)) / 1000.0);
  // The acknowledged prefix moves the position: in order, each event once.
  std::size_t ok = 0;
  bool conflict = false;
  std::string failure;
  for (; ok < sent; ++ok) {
    const Session::Ack& a = acks[ok];
    if (a.done && a.ok && !a.duplicate && a.stream_seq == tail.stream_seq + 1) {
      tail.stream_seq = a.stream_seq;
      tail.event_seq = events[ok].seq;
      tail.relay = instance_;
      continue;
    }
    conflict = a.done && (a.duplicate || a.error_code == JSStreamWrongLastSequenceErr);
    failure = !a.done && lost  ? std::string("the connection to NATS was lost before the acknowledgement")
              : !a.done        ? "no acknowledgement within " + std::to_string(options_.ack_timeout.count()) + " ms"
              : a.duplicate     ? "evt_" + std::to_string(events[ok].seq) + " was in the stream already"
              : a.ok            ? "unexpected stream sequence " + std::to_string(a.stream_seq)
                                : a.error + (a.error_code ? " (JetStream error " + std::to_string(a.error_code) + ")" : "");
    break;
  }
  SetStatus([&](Status& st) {
    st.connected = session.connected();
    st.stream_event = tail.event_seq;
  });
  if (ok == events.size()) return Round::kPublished;
  *error = "evt_" + std::to_string(events[ok].seq) + ": " + (ok < sent ? failure : send_error);
  if (stopping()) return Round::kFailed;
  return conflict ? Round::kConflict : Round::kFailed;
}

}  // namespace ordo::relay
