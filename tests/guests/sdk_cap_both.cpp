// One module with both trigger macros (SPINDLE_HTTP_COMPONENT and
// SPINDLE_REDIS_COMPONENT): each Redis message is appended to the key-value
// key "messages" (and printed); GET / answers "http ok; messages: <...>",
// followed by "; file: <...>" when the component has a file /data.txt.
#include <cstdio>
#include <spindle/spindle.hpp>

namespace {

spindle::Response on_request(const spindle::Request&) {
  auto store = spindle::kv::Store::open();
  if (!store) return spindle::Response::error(500, store.error().describe());
  auto v = store->get("messages");
  if (!v) return spindle::Response::error(500, v.error().describe());
  std::string text = "http ok; messages: " + v->value_or("");
  if (std::FILE* f = std::fopen("/data.txt", "r")) {
    char buf[128];
    size_t n = std::fread(buf, 1, sizeof buf, f);
    std::fclose(f);
    text += "; file: " + std::string(buf, n);
  }
  return spindle::Response::text(text);
}

spindle::Result<void> on_message(std::string_view payload) {
  std::printf("both got: %.*s\n", static_cast<int>(payload.size()), payload.data());
  std::fflush(stdout);
  auto store = spindle::kv::Store::open();
  if (!store) return store.error();
  auto v = store->get("messages");
  if (!v) return v.error();
  std::string all = v->value_or("");
  all += std::string(payload) + ";";
  return store->set("messages", all);
}

}  // namespace

SPINDLE_HTTP_COMPONENT(on_request)
SPINDLE_REDIS_COMPONENT(on_message)
