// SHA-256 (OpenSSL), as lowercase hex.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace spindle::util {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, size_t size);
  std::string hex();  // finishes the digest

 private:
  void* ctx_;
};

std::string sha256_hex(std::string_view data);

}  // namespace spindle::util
