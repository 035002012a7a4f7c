// A small HTTP/1.1 server on a free loopback port for outbound-request tests:
// it counts the connections it accepts (to prove a refused request made
// none) and answers a few fixed paths. One request per connection.
//   /hello            200 "hello from peer", header x-peer: yes
//   /echo             200, body "<METHOD>\n<body>"
//   /slow             waits 5 s, then 200
//   /stall            200 with content-length 10: the head and 4 bytes, then
//                     5 s of silence before the rest
//   /big?n=N          200 with N bytes of 'x'
//   /redirect?to=URL  302 to URL
//   anything else     404
#pragma once

#include <atomic>
#include <string>
#include <thread>

namespace spindle::test {

class HttpPeer {
 public:
  explicit HttpPeer(const std::string& ip = "127.0.0.1");
  ~HttpPeer();
  HttpPeer(const HttpPeer&) = delete;
  HttpPeer& operator=(const HttpPeer&) = delete;
  int port() const { return port_; }
  std::string origin() const { return "http://" + ip_ + ":" + std::to_string(port_); }
  int connections() const { return connections_; }

 private:
  void serve(int fd);
  std::string ip_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<int> connections_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace spindle::test
