#include "load/slowloris.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

namespace ordo::load {

SlowSenders::SlowSenders(const std::string& address, unsigned short port, int count, int interval_ms) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  inet_pton(AF_INET, address.c_str(), &addr.sin_addr);
  const std::string head = "POST /v1/orders HTTP/1.1\r\nHost: " + address + "\r\nContent-Type: application/json\r\n";
  for (int i = 0; i < count; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) break;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::send(fd, head.data(), head.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(head.size())) {
      ::close(fd);
      continue;
    }
    ::fcntl(fd, F_SETFL, O_NONBLOCK);
    fds_.push_back(fd);
  }
  thread_ = std::thread([this, interval_ms] {
    while (!stop_) {
      for (int fd : fds_) ::send(fd, "X-Slow: 1\r\n", 11, MSG_NOSIGNAL);
      for (int waited = 0; waited < interval_ms && !stop_; waited += 10)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
}

int SlowSenders::Stop() {
  if (closed_ >= 0) return closed_;
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  closed_ = 0;
  for (int fd : fds_) {
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) {
    }
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) ++closed_;
    ::close(fd);
  }
  return closed_;
}

SlowSenders::~SlowSenders() { Stop(); }

}  // namespace ordo::load
