#include "util/curl_lib.h"

#include <dlfcn.h>

#include <mutex>

namespace spindle::util {

size_t write_capped(char* data, size_t size, size_t n, void* capped_body) {
  auto* b = static_cast<CappedBody*>(capped_body);
  if (b->out->size() + size * n > b->limit) return 0;  // aborts the transfer
  b->out->append(data, size * n);
  return size * n;
}

const CurlLib* curl_lib(std::string& error) {
  static std::once_flag once;
  static CurlLib lib;
  static std::string load_error;
  static bool ok = false;
  std::call_once(once, [] {
    void* h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      load_error = std::string("cannot load libcurl: ") + dlerror();
      return;
    }
    bool all = true;
    auto sym = [&](auto& fn, const char* name) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(h, name));
      all = all && fn != nullptr;
    };
    sym(lib.easy_init, "curl_easy_init");
    sym(lib.easy_cleanup, "curl_easy_cleanup");
    sym(lib.easy_reset, "curl_easy_reset");
    sym(lib.easy_setopt, "curl_easy_setopt");
    sym(lib.easy_perform, "curl_easy_perform");
    sym(lib.easy_getinfo, "curl_easy_getinfo");
    sym(lib.easy_strerror, "curl_easy_strerror");
    sym(lib.slist_append, "curl_slist_append");
    sym(lib.slist_free_all, "curl_slist_free_all");
    sym(lib.url, "curl_url");
    sym(lib.url_set, "curl_url_set");
    sym(lib.url_get, "curl_url_get");
    sym(lib.url_cleanup, "curl_url_cleanup");
    sym(lib.free, "curl_free");
    sym(lib.multi_init, "curl_multi_init");
    sym(lib.multi_cleanup, "curl_multi_cleanup");
    sym(lib.multi_add_handle, "curl_multi_add_handle");
    sym(lib.multi_remove_handle, "curl_multi_remove_handle");
    sym(lib.multi_perform, "curl_multi_perform");
    sym(lib.multi_poll, "curl_multi_poll");
    sym(lib.multi_info_read, "curl_multi_info_read");
    decltype(&curl_global_init) global_init = nullptr;
    sym(global_init, "curl_global_init");
    if (!all) {
      load_error = "libcurl.so.4 lacks a function spindle uses (libcurl 7.80 or newer is needed)";
      return;
    }
    if (global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      load_error = "libcurl failed to initialise";
      return;
    }
    ok = true;
  });
  if (!ok) {
    error = load_error;
    return nullptr;
  }
  return &lib;
}

}  // namespace spindle::util
