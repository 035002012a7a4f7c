// A throwaway certificate authority and a server certificate for 127.0.0.1,
// made with the `openssl` CLI at test time (no key is committed).
#pragma once

#include <string>

namespace spindle::test {

struct TlsFiles {
  std::string ca;         // the CA certificate (curl --cacert)
  std::string cert;       // the server certificate, signed by the CA (PEM)
  std::string key;        // its private key (PEM, PKCS#8)
  std::string other_key;  // a second key that matches no certificate
  std::string error;      // what failed ("" when all were made)
};

// Makes them in the folder `dir` (created).
TlsFiles make_tls_files(const std::string& dir);

}  // namespace spindle::test
