// libcurl, loaded on first use with dlopen: a process that never makes a
// network request (most `spindle up`s) does not map libcurl and its TLS and
// protocol libraries, about 7 MB of resident pages. Only curl's types come
// from <curl/curl.h>; every call goes through this table.
#pragma once

#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>

#include <string>

namespace spindle::util {

struct CurlLib {
  decltype(&curl_easy_init) easy_init;
  decltype(&curl_easy_cleanup) easy_cleanup;
  decltype(&curl_easy_reset) easy_reset;
  decltype(&curl_easy_setopt) easy_setopt;
  decltype(&curl_easy_perform) easy_perform;
  decltype(&curl_easy_getinfo) easy_getinfo;
  decltype(&curl_easy_strerror) easy_strerror;
  decltype(&curl_slist_append) slist_append;
  decltype(&curl_slist_free_all) slist_free_all;
  decltype(&curl_url) url;
  decltype(&curl_url_set) url_set;
  decltype(&curl_url_get) url_get;
  decltype(&curl_url_cleanup) url_cleanup;
  decltype(&curl_free) free;
  decltype(&curl_multi_init) multi_init;
  decltype(&curl_multi_cleanup) multi_cleanup;
  decltype(&curl_multi_add_handle) multi_add_handle;
  decltype(&curl_multi_remove_handle) multi_remove_handle;
  decltype(&curl_multi_perform) multi_perform;
  decltype(&curl_multi_poll) multi_poll;
  decltype(&curl_multi_info_read) multi_info_read;
};

// The library, loaded and globally initialised once; null with `error` set
// when it cannot be loaded.
const CurlLib* curl_lib(std::string& error);

// Where a transfer's body goes: appended to `out`, at most `limit` bytes
// (past it the transfer is aborted). For CURLOPT_WRITEFUNCTION write_capped
// with CURLOPT_WRITEDATA pointing at one.
struct CappedBody {
  std::string* out;
  size_t limit;
};
size_t write_capped(char* data, size_t size, size_t n, void* capped_body);

}  // namespace spindle::util
