#include "tls_certs.h"

#include <filesystem>
#include <fstream>
#include <vector>

#include "process.h"

namespace spindle::test {

TlsFiles make_tls_files(const std::string& dir) {
  std::filesystem::create_directories(dir);
  TlsFiles f{dir + "/ca.pem", dir + "/server.pem", dir + "/server.key", dir + "/other.key", ""};
  std::ofstream(dir + "/ext.cnf") << "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n";
  const std::vector<std::string> ec = {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                       "-nodes"};
  auto req = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {"openssl", "req"};
    argv.insert(argv.end(), ec.begin(), ec.end());
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  };
  for (const auto& argv : std::vector<std::vector<std::string>>{
           req({"-x509", "-keyout", dir + "/ca.key", "-out", f.ca, "-days", "2", "-subj",
                "/CN=spindle test CA"}),
           req({"-keyout", f.key, "-out", dir + "/server.csr", "-subj", "/CN=127.0.0.1"}),
           {"openssl", "x509", "-req", "-in", dir + "/server.csr", "-CA", f.ca, "-CAkey",
            dir + "/ca.key", "-CAcreateserial", "-out", f.cert, "-days", "2", "-extfile",
            dir + "/ext.cnf"},
           {"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-out", f.other_key}}) {
    Result r = run_process(argv);
    if (r.status != 0) {
      f.error = argv[0] + " " + argv[1] + " failed: " + r.err;
      break;
    }
  }
  return f;
}

}  // namespace spindle::test
