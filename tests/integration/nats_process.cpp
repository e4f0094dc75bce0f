#include "nats_process.h"

#include <nats/nats.h>
#include <signal.h>
#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "server.h"

#ifndef ORDO_NATS_SCRIPT
#error "ORDO_NATS_SCRIPT must be defined as the path of scripts/nats-test-server.sh"
#endif

namespace ordo::itest {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A plain connection and JetStream context (no reconnects), closed at the end of the scope.
struct Client {
  natsOptions* opts = nullptr;
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  std::string error;

  explicit Client(const std::string& url) {
    natsStatus s = natsOptions_Create(&opts);
    if (s == NATS_OK) s = natsOptions_SetURL(opts, url.c_str());
    if (s == NATS_OK) s = natsOptions_SetTimeout(opts, 1000);
    if (s == NATS_OK) s = natsOptions_SetAllowReconnect(opts, false);
    if (s == NATS_OK) s = natsConnection_Connect(&nc, opts);
    if (s == NATS_OK) {
      jsOptions jo;
      jsOptions_Init(&jo);
      jo.Wait = 2000;
      s = natsConnection_JetStream(&js, nc, &jo);
    }
    if (s != NATS_OK) error = std::string(natsStatus_GetText(s)) + ": " + nats_GetLastError(nullptr);
  }
  ~Client() {
    if (js) jsCtx_Destroy(js);
    if (nc) natsConnection_Destroy(nc);
    if (opts) natsOptions_Destroy(opts);
  }
  bool ok() const { return error.empty(); }
};

std::string Header(natsMsg* msg, const char* name) {
  const char* value = nullptr;
  if (natsMsgHeader_Get(msg, name, &value) == NATS_OK && value) return value;
  return "";
}

}  // namespace

NatsProcess::NatsProcess() : dir_(MakeTempDir()) {}

NatsProcess::~NatsProcess() {
  Signal(SIGKILL);
  if (::testing::Test::HasFailure())
    std::cerr << "---- last lines of " << (dir_ / "nats.log") << " ----\n" << LogTail() << "---- end of nats log ----\n";
  std::error_code ignored;
  if (!std::getenv("ORDO_IT_KEEP_DIRS")) std::filesystem::remove_all(dir_, ignored);
}

::testing::AssertionResult NatsProcess::Start() {
  port_ = FreePort();
  return Launch();
}

::testing::AssertionResult NatsProcess::Restart() {
  if (pid_ > 0) return ::testing::AssertionFailure() << "Restart() while nats-server is still running";
  return Launch();
}

::testing::AssertionResult NatsProcess::Launch() {
  std::string error;
  pid_ = SpawnProcess({"/bin/bash", ORDO_NATS_SCRIPT, "run", dir_.string(), std::to_string(port_)}, dir_ / "nats.log",
                      &error);
  if (pid_ < 0) return ::testing::AssertionFailure() << "cannot start nats-server: " << error;
  auto deadline = Clock::now() + 10s;
  std::string last;
  while (Clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return ::testing::AssertionFailure() << "nats-server exited before it was ready\n" << LogTail();
    }
    Client client(url());
    if (client.ok()) {
      jsAccountInfo* info = nullptr;
      natsStatus s = js_GetAccountInfo(&info, client.js, nullptr, nullptr);
      if (info) jsAccountInfo_Destroy(info);
      if (s == NATS_OK) return ::testing::AssertionSuccess();
      last = natsStatus_GetText(s);
    } else {
      last = client.error;
    }
    std::this_thread::sleep_for(20ms);
  }
  Signal(SIGKILL);
  return ::testing::AssertionFailure() << "nats-server was not ready within 10 s (" << last << ")\n" << LogTail();
}

void NatsProcess::Signal(int sig) {
  if (pid_ <= 0) return;
  ::kill(pid_, sig);
  auto deadline = Clock::now() + 10s;
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) != pid_) {
    if (Clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(5ms);
  }
  pid_ = -1;
}

void NatsProcess::Kill9() { Signal(SIGKILL); }
void NatsProcess::Terminate() { Signal(SIGTERM); }

std::string NatsProcess::LogTail(std::size_t lines) const { return FileTail(dir_ / "nats.log", lines); }

StreamContents ReadStream(const std::string& url, const std::string& stream, bool count_only) {
  StreamContents out;
  Client client(url);
  if (!client.ok()) {
    out.error = client.error;
    return out;
  }
  jsStreamInfo* si = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&si, client.js, stream.c_str(), nullptr, &code);
  if (s != NATS_OK) {
    out.error = std::string("stream info: ") + natsStatus_GetText(s) + " (" + std::to_string(code) + ")";
    return out;
  }
  out.messages = si->State.Msgs;
  out.first_seq = si->State.FirstSeq;
  out.last_seq = si->State.LastSeq;
  jsStreamInfo_Destroy(si);
  if (count_only || out.messages == 0) return out;
  for (std::uint64_t seq = out.first_seq; seq <= out.last_seq; ++seq) {
    natsMsg* msg = nullptr;
    code = static_cast<jsErrCode>(0);
    s = js_GetMsg(&msg, client.js, stream.c_str(), seq, nullptr, &code);
    if (s == NATS_NOT_FOUND) continue;  // deleted
    if (s != NATS_OK) {
      out.error = "get message " + std::to_string(seq) + ": " + natsStatus_GetText(s);
      return out;
    }
    StreamMessage m;
    m.seq = seq;
    m.subject = natsMsg_GetSubject(msg);
    m.msg_id = Header(msg, "Nats-Msg-Id");
    m.content_type = Header(msg, "Content-Type");
    m.data.assign(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
    natsMsg_Destroy(msg);
    out.items.push_back(std::move(m));
  }
  return out;
}

}  // namespace ordo::itest
