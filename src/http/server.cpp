// Boost 1.74 with g++ 12 needs <utility> before Asio.
#include <utility>

#include "http/server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <deque>
#include <optional>
#include <thread>
#include <vector>

#include "base/ids.h"
#include "base/text.h"
#include "base/thread_name.h"
#include "http/problem.h"

namespace ordo::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

struct Server::Impl {
  ServerOptions options;
  Handler handler;
  Completed completed;
  // One io_context per io thread, each run by its thread alone, and each
  // connection stays on one of them (round robin), so a connection's handlers
  // never run concurrently and need no strand. A single io_context shared by
  // the threads cost two futex calls per request (its threads handed the
  // reactor and the handlers to each other). The price: a handler that blocks
  // (a read waiting for a sync) holds up the other connections of its thread.
  // So the listener has an io_context and a thread of its own: new connections
  // are accepted even while every io thread is busy.
  explicit Impl(int threads) {
    for (int i = 0; i < std::max(1, threads); ++i) {
      iocs.push_back(std::make_unique<asio::io_context>(1));
      work.emplace_back(asio::make_work_guard(*iocs.back()));
    }
  }
  std::vector<std::unique_ptr<asio::io_context>> iocs;
  // Keep the io threads running while the listener is closed during a drain:
  // replies for requests still in the sequencer must still be written.
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work;
  asio::io_context accept_ioc{1};
  tcp::acceptor acceptor{accept_ioc};
  std::size_t next = 0;  // the io_context of the next connection (the accepting thread only)
  std::vector<std::thread> threads;
  std::atomic<std::size_t> in_flight{0};
  std::atomic<bool> accepting{true};
  unsigned short port = 0;

  void Accept();
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server::Impl& server) : stream_(std::move(socket)), server_(server) {
    beast::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = endpoint.address().to_string();
    stream_.socket().set_option(tcp::no_delay(true), ec);
  }

  void Run() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(server_.options.body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.header_limit));
    // The first request of a connection and every later one get the idle
    // timeout to begin; once bytes arrive the read timeout bounds the rest.
    stream_.expires_after(std::chrono::milliseconds(first_ ? server_.options.read_timeout_ms
                                                           : server_.options.idle_timeout_ms));
    first_ = false;
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    stream_.expires_after(std::chrono::milliseconds(server_.options.read_timeout_ms));
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  }

  void OnReadError(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) return Fail(413, "payload-too-large", "the body is larger than the limit");
    if (ec == bhttp::error::header_limit) return Fail(431, "header-too-large", "the headers are larger than the limit");
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      return;
    }
    Fail(400, "bad-request", "the request is not valid HTTP/1.1");
  }

  // Answers a request that could not be read whole (too large, malformed) and
  // closes the connection. It never reached the handler, so it is not counted
  // as in flight.
  void Fail(int status, const char* type, const char* detail) {
    Request request;
    auto& header = parser_->get();
    std::string_view given(header["x-request-id"].data(), header["x-request-id"].size());
    request.request_id = !given.empty() && given.size() <= 128 && IsIdentifier(given, 128) ? std::string(given) : RandomHex(8);
    std::string_view target(header.target().data(), header.target().size());
    request.path = std::string(target.substr(0, target.find('?')));
    request.method = std::string(header.method_string());
    Response response = ProblemResponse(status, type, detail, request);
    response.close = true;
    start_ = std::chrono::steady_clock::now();
    Write(std::move(response), request, false);
  }

  void OnRead(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    start_ = std::chrono::steady_clock::now();
    auto& msg = parser_->get();
    auto request = std::make_shared<Request>();
    request->method = std::string(msg.method_string());
    std::string_view target(msg.target().data(), msg.target().size());
    std::size_t q = target.find('?');
    request->path = PercentDecode(target.substr(0, q), false);
    if (q != std::string_view::npos) request->query = std::string(target.substr(q + 1));
    request->headers.reserve(8);
    for (const auto& field : msg) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      request->headers.emplace_back(std::move(name), std::string(field.value()));
    }
    request->body = std::move(msg.body());
    request->remote = remote_;
    keep_alive_ = msg.keep_alive();
    ++server_.in_flight;
    auto self = shared_from_this();
    request->post = [self](std::function<void()> work) { asio::post(self->stream_.get_executor(), std::move(work)); };
    Respond respond = [self, request](Response response) {
      asio::dispatch(self->stream_.get_executor(), [self, request, response = std::move(response)]() mutable {
        self->Write(std::move(response), *request, true);
      });
    };
    server_.handler(*request, std::move(respond));
  }

  // ---- streaming responses (SSE), see StreamSink ----
 public:
  // From any thread: queue bytes for the client, or refuse once it is gone or
  // too far behind.
  bool StreamPush(std::string bytes) {
    if (stream_closed_.load()) return false;
    if (stream_queued_.fetch_add(bytes.size()) + bytes.size() > server_.options.stream_buffer) {
      asio::post(stream_.get_executor(), [self = shared_from_this()] { self->StreamClose(); });
      return false;
    }
    asio::post(stream_.get_executor(), [self = shared_from_this(), b = std::move(bytes)]() mutable {
      self->stream_out_.push_back(std::move(b));
      if (!self->stream_writing_) self->StreamWriteNext();
    });
    return true;
  }

 private:
  static constexpr std::size_t kStreamSocketBufferMax = 256 << 10;

  void StartStream(Response response, const Request& request, bool counted) {
    auto head = std::make_shared<bhttp::response<bhttp::empty_body>>();
    head->version(11);
    head->result(static_cast<unsigned>(response.status));
    head->set(bhttp::field::server, "ordo");
    head->set(bhttp::field::content_type, response.content_type);
    head->set(bhttp::field::cache_control, "no-cache");
    head->set("X-Accel-Buffering", "no");  // nginx: pass events through at once
    if (!request.request_id.empty()) head->set("X-Request-Id", request.request_id);
    for (const auto& [k, v] : response.headers) head->set(k, v);
    head->chunked(true);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    auto open = std::move(response.stream);
    std::string first = std::move(response.body);
    if (server_.completed) {
      response.body.clear();
      server_.completed(request, response, seconds);
    }
    stream_.expires_never();
    {
      beast::error_code ignored;  // a fixed kernel buffer: no autotuning to megabytes for a client that does not read
      int bytes = static_cast<int>(std::min(server_.options.stream_buffer, kStreamSocketBufferMax));
      stream_.socket().set_option(asio::socket_base::send_buffer_size(bytes), ignored);
    }
    // The stream opens (the hub subscribes) before its head is written: a
    // client that has the head (EventSource's open) may commit something at
    // once and must see it on the stream. What is pushed meanwhile waits in
    // stream_out_ until the head is out.
    stream_writing_ = true;
    auto sink = std::make_shared<Sink>(shared_from_this());
    if (!first.empty()) sink->Push(std::move(first));
    open(std::move(sink));
    auto serializer = std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(*head);
    bhttp::async_write_header(
        stream_, *serializer,
        [self = shared_from_this(), head, serializer, counted](beast::error_code ec, std::size_t) {
          // A stream never ends on its own: it does not hold up a drain.
          if (counted) --self->server_.in_flight;
          if (ec) return self->StreamClose();
          self->StreamWatch();
          self->StreamWriteNext();  // what was pushed meanwhile
        });
  }

  class Sink final : public StreamSink {
   public:
    explicit Sink(std::shared_ptr<Session> session) : session_(std::move(session)) {}
    ~Sink() override {
      asio::post(session_->stream_.get_executor(), [s = session_] { s->StreamClose(); });
    }
    bool Push(std::string bytes) override { return session_->StreamPush(std::move(bytes)); }

   private:
    std::shared_ptr<Session> session_;
  };

  // The client sends nothing on a stream; a read that ends means it left.
  void StreamWatch() {
    stream_.async_read_some(asio::buffer(watch_buf_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->StreamClose();
      self->StreamWatch();
    });
  }

  void StreamWriteNext() {
    if (stream_out_.empty() || stream_closed_.load()) {
      stream_writing_ = false;
      return;
    }
    stream_writing_ = true;
    auto chunk = std::make_shared<std::string>(std::move(stream_out_.front()));
    stream_out_.pop_front();
    asio::async_write(stream_, bhttp::make_chunk(asio::buffer(*chunk)),
                      [self = shared_from_this(), chunk](beast::error_code ec, std::size_t) {
                        self->stream_queued_ -= chunk->size();
                        if (ec) return self->StreamClose();
                        self->StreamWriteNext();
                      });
  }

  void StreamClose() {
    if (stream_closed_.exchange(true)) return;
    stream_out_.clear();
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  void Write(Response response, const Request& request, bool counted) {
    if (response.stream) return StartStream(std::move(response), request, counted);
    if (response.abort) {
      if (counted) --server_.in_flight;
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream_.socket().close(ignored);
      return;
    }
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->version(11);
    res->result(static_cast<unsigned>(response.status));
    res->set(bhttp::field::server, "ordo");
    res->set(bhttp::field::content_type, response.content_type);
    if (!request.request_id.empty()) res->set("X-Request-Id", request.request_id);
    for (const auto& [k, v] : response.headers) res->set(k, v);
    bool close = response.close || !keep_alive_ || !server_.accepting.load();
    res->keep_alive(!close);
    // A HEAD answer carries no body (else a keep-alive client would read it as the next response).
    if (request.method != "HEAD") res->body() = std::move(response.body);
    res->prepare_payload();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (server_.completed) {
      response.body.clear();
      server_.completed(request, response, seconds);
    }
    stream_.expires_after(std::chrono::milliseconds(server_.options.read_timeout_ms));
    bhttp::async_write(stream_, *res, [self = shared_from_this(), res, close, counted](
                                          beast::error_code ec, std::size_t) {
      if (counted) --self->server_.in_flight;
      if (ec || close) {
        beast::error_code ignored;
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        return;
      }
      self->Read();
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Server::Impl& server_;
  std::string remote_;
  bool keep_alive_ = true;
  bool first_ = true;
  std::chrono::steady_clock::time_point start_;
  // Streaming state; touched on the connection's io thread only, except the atomics.
  std::deque<std::string> stream_out_;
  bool stream_writing_ = false;
  std::atomic<bool> stream_closed_{false};
  std::atomic<std::size_t> stream_queued_{0};
  char watch_buf_[256];
};

}  // namespace

void Server::Impl::Accept() {
  asio::io_context& ioc = *iocs[next++ % iocs.size()];
  acceptor.async_accept(ioc, [this](beast::error_code ec, tcp::socket socket) {
    if (!accepting.load()) return;
    if (!ec) std::make_shared<Session>(std::move(socket), *this)->Run();
    Accept();
  });
}

Server::Server(ServerOptions options, Handler handler, Completed completed)
    : impl_(std::make_unique<Impl>(options.threads)) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
  impl_->completed = std::move(completed);
}

Server::~Server() { Stop(0); }

bool Server::Start(std::string* error) {
  beast::error_code ec;
  auto address = asio::ip::make_address(impl_->options.address, ec);
  if (ec) {
    *error = "invalid listen address " + impl_->options.address;
    return false;
  }
  tcp::endpoint endpoint(address, impl_->options.port);
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    *error = "cannot listen on " + impl_->options.address + ":" + std::to_string(impl_->options.port) + ": " +
             ec.message();
    return false;
  }
  impl_->port = acceptor.local_endpoint().port();
  impl_->Accept();
  for (auto& ioc : impl_->iocs)
    impl_->threads.emplace_back([&ioc = *ioc] {
      NameThisThread("ordo-io");
      ioc.run();
    });
  impl_->threads.emplace_back([this] {  // runs until the acceptor closes (Stop)
    NameThisThread("ordo-accept");
    impl_->accept_ioc.run();
  });
  return true;
}

void Server::Stop(int drain_ms) {
  if (impl_->threads.empty()) return;
  impl_->accepting = false;
  asio::post(impl_->accept_ioc, [this] {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
  });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(drain_ms);
  while (impl_->in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  impl_->work.clear();
  for (auto& ioc : impl_->iocs) ioc->stop();
  impl_->accept_ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

unsigned short Server::port() const { return impl_->port; }
std::size_t Server::in_flight() const { return impl_->in_flight.load(); }

}  // namespace ordo::http
