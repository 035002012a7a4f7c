// SHA-256 (FIPS 180-4), as lowercase hex. spindle's own: linking OpenSSL for
// it would map libcrypto (about 3 MB of resident pages) into every process.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace spindle::util {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  std::string hex();  // finishes the digest

 private:
  void block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buffered_ = 0;
  uint64_t total_ = 0;
};

std::string sha256_hex(std::string_view data);

}  // namespace spindle::util
