#include "manifest/remote_source.h"

#include <unistd.h>

#include <fstream>
#include <mutex>
#include <sstream>

#include "util/curl_lib.h"
#include "util/sha256.h"

namespace spindle::manifest {
namespace {

constexpr size_t kMaxDownload = size_t{512} << 20;

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

bool fetch_remote_source(const Source& source, const std::filesystem::path& cache_dir,
                         std::filesystem::path& out, std::string& error) {
  const std::string prefix = "sha256:";
  if (source.digest.rfind(prefix, 0) != 0) {
    error = "source digest `" + source.digest + "` is not `sha256:<hex>`";
    return false;
  }
  const std::string want = source.digest.substr(prefix.size());
  std::filesystem::path dir = cache_dir / "sources";
  out = dir / (want + ".wasm");
  std::error_code ec;
  if (std::filesystem::exists(out, ec) && util::sha256_hex(read_all(out)) == want) return true;

  const util::CurlLib* c = util::curl_lib(error);
  if (!c) return false;
  CURL* curl = c->easy_init();
  if (!curl) {
    error = "cannot start a download";
    return false;
  }
  std::string body;
  char curl_error[CURL_ERROR_SIZE] = {};
  c->easy_setopt(curl, CURLOPT_URL, source.url.c_str());
  c->easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  c->easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
  c->easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
  c->easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 20L);
  c->easy_setopt(curl, CURLOPT_TIMEOUT, 300L);
  util::CappedBody sink{&body, kMaxDownload};
  c->easy_setopt(curl, CURLOPT_WRITEFUNCTION, util::write_capped);
  c->easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  c->easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
  c->easy_setopt(curl, CURLOPT_USERAGENT, "spindle/0.1");
  CURLcode rc = c->easy_perform(curl);
  c->easy_cleanup(curl);
  if (rc != CURLE_OK) {
    error = "cannot download " + source.url + ": " +
            (curl_error[0] ? std::string(curl_error) : std::string(c->easy_strerror(rc)));
    return false;
  }
  std::string got = util::sha256_hex(body);
  if (got != want) {
    error = "the download of " + source.url + " has digest sha256:" + got +
            ", but the manifest expects " + source.digest + "; refusing to run it";
    return false;
  }
  std::filesystem::create_directories(dir, ec);
  std::filesystem::path tmp = dir / (want + ".tmp." + std::to_string(getpid()));
  {
    std::ofstream f(tmp, std::ios::binary);
    f.write(body.data(), static_cast<std::streamsize>(body.size()));
    if (!f) {
      error = "cannot write " + tmp.string();
      return false;
    }
  }
  std::filesystem::rename(tmp, out, ec);
  if (ec) {
    error = "cannot store " + out.string() + ": " + ec.message();
    return false;
  }
  return true;
}

}  // namespace spindle::manifest
