#include "http_peer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <vector>

namespace spindle::test {

HttpPeer::HttpPeer(const std::string& ip) : ip_(ip) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
  listen(listen_fd_, 64);
  socklen_t len = sizeof a;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  thread_ = std::thread([this] {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      ++connections_;
      std::thread([this, fd] { serve(fd); }).detach();
    }
  });
}

HttpPeer::~HttpPeer() {
  stop_ = true;
  thread_.join();
  close(listen_fd_);
}

void HttpPeer::serve(int fd) {
  std::string req;
  char buf[65536];
  size_t header_end = std::string::npos;
  size_t want = 0;
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    req.append(buf, static_cast<size_t>(n));
    if (header_end == std::string::npos) {
      header_end = req.find("\r\n\r\n");
      if (header_end == std::string::npos) continue;
      auto cl = req.find("ontent-Length: ");
      if (cl == std::string::npos) cl = req.find("ontent-length: ");
      want = header_end + 4 +
             (cl != std::string::npos && cl < header_end ? std::stoul(req.substr(cl + 15)) : 0);
    }
    if (req.size() >= want) break;
  }
  std::string method = req.substr(0, req.find(' '));
  size_t t0 = req.find(' ') + 1;
  std::string target = req.substr(t0, req.find(' ', t0) - t0);
  std::string path = target.substr(0, target.find('?'));
  std::string query =
      target.find('?') == std::string::npos ? "" : target.substr(target.find('?') + 1);
  std::string body_in = header_end == std::string::npos ? "" : req.substr(header_end + 4);
  int status = 200;
  std::string extra, body;
  if (path == "/hello") {
    body = "hello from peer";
    extra = "x-peer: yes\r\n";
  } else if (path == "/echo") {
    body = method + "\n" + body_in;
  } else if (path == "/slow") {
    for (int i = 0; i < 50 && !stop_; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    body = "slow";
  } else if (path == "/big") {
    body.assign(std::stoul(query.substr(2)), 'x');
  } else if (path == "/redirect") {
    status = 302;
    extra = "location: " + query.substr(3) + "\r\n";
  } else {
    status = 404;
    body = "not found";
  }
  if (path == "/stall") {  // the head and 4 of 10 body bytes, then 5 s of silence
    std::string part = "HTTP/1.1 200 X\r\ncontent-length: 10\r\nconnection: close\r\n\r\nstal";
    (void)!send(fd, part.data(), part.size(), MSG_NOSIGNAL);
    for (int i = 0; i < 50 && !stop_; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    (void)!send(fd, "led...", 6, MSG_NOSIGNAL);
    close(fd);
    return;
  }
  std::string head = "HTTP/1.1 " + std::to_string(status) +
                     " X\r\ncontent-length: " + std::to_string(body.size()) +
                     "\r\nconnection: close\r\n" + extra + "\r\n";
  std::string out = head + (method == "HEAD" ? "" : body);
  size_t off = 0;
  while (off < out.size()) {
    ssize_t n = send(fd, out.data() + off, out.size() - off, MSG_NOSIGNAL);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  close(fd);
}

}  // namespace spindle::test
