#include "server.h"

#include "auth/authenticator.h"
#include "http_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "http_client.h"
#include "store/postgres/test_schema.h"

#ifndef ORDO_BINARY
#error "ORDO_BINARY must be defined as the path of the ordo executable"
#endif

namespace ordo::itest {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

}  // namespace

std::filesystem::path MakeTempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "ordo-it-XXXXXX").string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  return std::filesystem::path(buf.data());
}

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Only async-signal-safe calls happen in the child (the test process is multi-threaded).
pid_t SpawnProcess(const std::vector<std::string>& args, const std::filesystem::path& out_path, std::string* error) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (out < 0) {
    *error = "open " + out_path.string() + ": " + std::strerror(errno);
    return -1;
  }
  int null_in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    ::close(out);
    if (null_in >= 0) ::close(null_in);
    return -1;
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) _exit(126);  // the parent died before prctl
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    if (null_in >= 0) ::dup2(null_in, 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    ::execv(argv[0], argv.data());
    _exit(127);
  }
  ::close(out);
  if (null_in >= 0) ::close(null_in);
  return pid;
}

namespace {

void Fill(StopResult& r, int status) {
  r.exited = true;
  if (WIFEXITED(status)) {
    r.exit_code = WEXITSTATUS(status);
    r.signal = 0;
  } else if (WIFSIGNALED(status)) {
    r.exit_code = -1;
    r.signal = WTERMSIG(status);
  }
}

}  // namespace

std::string BackendName(Backend backend) { return backend == Backend::kPostgres ? "postgres" : "sqlite"; }

std::string TestPgConninfo() { return store::pgtest::ServerConninfo(); }

std::string StopResult::Describe() const {
  std::ostringstream s;
  if (!exited) s << "did not exit in time";
  else if (signal) s << "killed by signal " << signal;
  else s << "exited with code " << exit_code;
  s << " after " << took.count() << " ms";
  return s.str();
}

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("bind failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

OrdoServer::OrdoServer(std::vector<std::string> serve_args, Backend backend)
    : serve_args_(std::move(serve_args)), backend_(backend), dir_(MakeTempDir()) {
  std::filesystem::create_directories(data_dir());
  if (backend_ != Backend::kPostgres) return;
  static std::atomic<int> counter{0};
  schema_ = "it_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
  const std::string base = TestPgConninfo();
  if (base.empty()) {
    setup_error_ = "ORDO_TEST_PG is not set: no PostgreSQL server to run on";
    return;
  }
  db_ = store::pgtest::WithSchema(base, schema_);
  if (db_.empty()) {
    setup_error_ = "ORDO_TEST_PG is not a valid libpq conninfo: " + base;
    return;
  }
  std::string err = store::pgtest::Exec(
      base, "SET client_min_messages = warning; DROP SCHEMA IF EXISTS " + schema_ + " CASCADE; CREATE SCHEMA " + schema_);
  if (!err.empty()) setup_error_ = "cannot create schema " + schema_ + " on " + base + ": " + err;
}

OrdoServer::OrdoServer(std::vector<std::string> serve_args, const OrdoServer& first)
    : serve_args_(std::move(serve_args)), backend_(first.backend_), dir_(MakeTempDir()) {
  std::filesystem::create_directories(data_dir());
  schema_ = first.schema_;
  db_ = first.db_;
  setup_error_ = first.setup_error_;
  owns_schema_ = false;
  if (backend_ != Backend::kPostgres) setup_error_ = "only PostgreSQL nodes can share a database";
}

OrdoServer::~OrdoServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    Reap(true, 10s);
  }
  if (::testing::Test::HasFailure())
    std::cerr << "---- last lines of " << log_path() << " ----\n" << LogTail(30) << "---- end of server log ----\n";
  if (std::getenv("ORDO_IT_KEEP_DIRS")) {
    std::cerr << "keeping " << dir_ << "\n";
    return;
  }
  if (backend_ == Backend::kPostgres && owns_schema_ && !db_.empty() && setup_error_.empty()) {  // best effort
    std::string err = store::pgtest::Exec(TestPgConninfo(), "SET client_min_messages = warning; DROP SCHEMA IF EXISTS " +
                                                                schema_ + " CASCADE");
    if (!err.empty()) std::cerr << "cannot drop schema " << schema_ << ": " << err;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::vector<std::string> OrdoServer::StoreArgs() const {
  if (backend_ == Backend::kPostgres) return {"--db", db_};
  return {"--data", data_dir().string()};
}

bool OrdoServer::Spawn(std::string* error) {
  std::vector<std::string> args = {ORDO_BINARY, "serve"};
  for (auto& a : StoreArgs()) args.push_back(a);
  args.insert(args.end(), {"--listen", "127.0.0.1:" + std::to_string(port_)});
  // The tests' signing secret (their tokens come from TestToken), and no
  // rate limits unless a test sets its own.
  auto has = [this](const char* flag) {
    return std::find(serve_args_.begin(), serve_args_.end(), flag) != serve_args_.end();
  };
  if (!has("--jwt-secret")) args.insert(args.end(), {"--jwt-secret", kTestJwtSecret});
  if (!has("--rate-limit")) args.insert(args.end(), {"--rate-limit", "0"});
  if (!has("--rate-limit-staff")) args.insert(args.end(), {"--rate-limit-staff", "0"});
  args.insert(args.end(), serve_args_.begin(), serve_args_.end());
  pid_ = SpawnProcess(args, log_path(), error);
  return pid_ > 0;
}

::testing::AssertionResult OrdoServer::Start() { return Launch(false); }

::testing::AssertionResult OrdoServer::Restart() {
  if (pid_ > 0) return ::testing::AssertionFailure() << "Restart() while the server is still running";
  return Launch(true);
}

::testing::AssertionResult OrdoServer::Launch(bool keep_port) {
  if (pid_ > 0) return ::testing::AssertionFailure() << "the server is already running (pid " << pid_ << ")";
  if (!setup_error_.empty()) return ::testing::AssertionFailure() << setup_error_;
  std::string last_error;
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (!keep_port || attempt > 0 || port_ == 0) port_ = FreePort();
    std::string error;
    if (!Spawn(&error)) return ::testing::AssertionFailure() << "cannot start ordo: " << error;
    HttpClient probe(url(), 1s);
    auto deadline = Clock::now() + 20s;
    bool retry = false;
    while (Clock::now() < deadline) {
      if (!Alive()) {
        std::string log = LogTail(20);
        if (log.find("cannot listen") != std::string::npos) {  // lost the port to someone else: try another
          retry = true;
          last_error = log;
          break;
        }
        return ::testing::AssertionFailure() << "ordo serve " << last_exit_.Describe() << " before it was ready\n"
                                             << log;
      }
      HttpResponse r = probe.Get("/readyz");
      if (r.status == 200) return ::testing::AssertionSuccess();
      std::this_thread::sleep_for(20ms);
    }
    if (retry) continue;
    ::kill(pid_, SIGKILL);
    Reap(true, 10s);
    return ::testing::AssertionFailure() << "ordo serve was not ready within 20 s\n" << LogTail(20);
  }
  return ::testing::AssertionFailure() << "could not find a free port for ordo serve\n" << last_error;
}

void OrdoServer::Reap(bool block, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return;
  auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      Fill(last_exit_, status);
      last_exit_.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - signalled_at_);
      pid_ = -1;
      return;
    }
    if (r < 0 && errno != EINTR) {  // not our child any more (should not happen)
      last_exit_ = StopResult{};
      pid_ = -1;
      return;
    }
    if (!block || Clock::now() >= deadline) return;
    std::this_thread::sleep_for(5ms);
  }
}

bool OrdoServer::Alive() {
  if (pid_ <= 0) return false;
  Reap(false, 0ms);
  return pid_ > 0;
}

void OrdoServer::Kill9() {
  if (pid_ <= 0) return;
  signalled_at_ = Clock::now();
  ::kill(pid_, SIGKILL);
  Reap(true, 10s);
}

StopResult OrdoServer::Terminate(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return last_exit_;
  signalled_at_ = Clock::now();
  ::kill(pid_, SIGTERM);
  Reap(true, timeout);
  if (pid_ > 0) {  // it did not stop in time
    ::kill(pid_, SIGKILL);
    Reap(true, 10s);
    StopResult r = last_exit_;
    r.exited = false;
    r.took = timeout;
    last_exit_ = r;
  }
  return last_exit_;
}

CheckResult OrdoServer::RunCheck() const {
  static std::atomic<int> counter{0};
  std::filesystem::path out = dir_ / ("check-" + std::to_string(++counter) + ".out");
  std::string error;
  std::vector<std::string> args = {ORDO_BINARY, "check"};
  if (backend_ == Backend::kPostgres) args.insert(args.end(), {"--db", db_});
  else args.push_back(data_dir().string());
  pid_t pid = SpawnProcess(args, out, &error);
  CheckResult result;
  if (pid < 0) {
    result.output = "cannot run ordo check: " + error;
    return result;
  }
  auto deadline = Clock::now() + 60s;
  int status = 0;
  for (;;) {
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (Clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      result.output = "ordo check did not finish within 60 s\n" + ReadFile(out);
      return result;
    }
    std::this_thread::sleep_for(5ms);
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.output = ReadFile(out);
  return result;
}

std::string OrdoServer::LogTail(std::size_t lines) const { return FileTail(log_path(), lines); }

std::string FileTail(const std::filesystem::path& path, std::size_t lines) {
  std::ifstream in(path);
  std::deque<std::string> tail;
  std::string line;
  while (std::getline(in, line)) {
    tail.push_back(line);
    if (tail.size() > lines) tail.pop_front();
  }
  std::string out;
  for (const auto& l : tail) out += l + "\n";
  return out;
}

SimProcess::SimProcess(std::vector<std::string> args) : args_(std::move(args)), dir_(MakeTempDir()) {}

SimProcess::~SimProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  std::error_code ignored;
  if (!std::getenv("ORDO_IT_KEEP_DIRS")) std::filesystem::remove_all(dir_, ignored);
}

::testing::AssertionResult SimProcess::Start() {
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = FreePort();
    std::vector<std::string> argv = {ORDO_BINARY, "sim", "--listen", "127.0.0.1:" + std::to_string(port_)};
    argv.insert(argv.end(), args_.begin(), args_.end());
    std::string error;
    pid_ = SpawnProcess(argv, dir_ / "sim.log", &error);
    if (pid_ < 0) return ::testing::AssertionFailure() << "cannot start ordo sim: " << error;
    HttpClient probe(url(), 1s);
    auto deadline = Clock::now() + 10s;
    while (Clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {  // exited: the port was taken, or a bad flag
        pid_ = -1;
        break;
      }
      if (probe.Get("/livez").status == 200) return ::testing::AssertionSuccess();
      std::this_thread::sleep_for(20ms);
    }
    if (pid_ > 0) return ::testing::AssertionFailure() << "ordo sim was not ready within 10 s\n" << LogTail();
  }
  return ::testing::AssertionFailure() << "ordo sim did not start\n" << LogTail();
}

std::string SimProcess::LogTail() const { return ReadFile(dir_ / "sim.log"); }

std::string TestToken(const std::string& role, const std::string& subject, const std::vector<std::string>& locations,
                      int ttl_s) {
  auth::Principal p;
  auth::ParseUserRole(role, &p.role);
  p.subject = subject;
  p.customer_id = subject;
  p.locations = locations;
  auth::Authenticator issuer(auth::KeySet{}, kTestJwtSecret, auth::AuthOptions{});
  auto token = issuer.IssueFor(p, std::chrono::duration_cast<std::chrono::seconds>(
                                      std::chrono::system_clock::now().time_since_epoch()).count(), ttl_s);
  return token ? *token : std::string();
}

std::string Bearer(const std::string& token) { return "Bearer " + token; }

namespace {
// Every request of the integration tests is an admin's unless it says otherwise.
const bool kAdminByDefault = [] {
  SetDefaultAuthorization(Bearer(TestToken("admin", "it-admin")));
  return true;
}();
}  // namespace

}  // namespace ordo::itest
